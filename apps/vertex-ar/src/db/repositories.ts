/**
 * Repository interfaces: what the routes need from storage of records, nothing about SQL.
 * {@link createRepositories} implements them with kysely, so one query code path serves SQLite and
 * PostgreSQL alike.
 */
import { sql, type Kysely } from 'kysely';
import type {
  ClientPatch, ClientRow, DatabaseSchema, NewClient, NewPortrait, NewUser, NewVideo, PortraitRow, Role,
  UserRow, VideoRow,
} from './schema.ts';
import { pingDatabase, type SqlDialectName } from './migrations.ts';

/** A page request: `limit` rows after skipping `offset`. */
export interface PageOptions {
  limit: number;
  offset: number;
}

/** A page of rows plus the total count, before pagination. */
export interface PageResult<T> {
  items: T[];
  total: number;
}

/** Users. */
export interface UserRepository {
  create(user: NewUser): Promise<UserRow>;
  findById(id: number): Promise<UserRow | undefined>;
  findByUsername(username: string): Promise<UserRow | undefined>;
  /** True when an account's name equals `username` ignoring case (names are ASCII: `lower` folds them the same way on both engines). */
  usernameTaken(username: string): Promise<boolean>;
  /** Sets the password hash and role, and bumps `token_version`: every token issued before is refused. */
  updateCredentials(id: number, passwordHash: string, role: Role): Promise<void>;
  /** Bumps `token_version` (a logout): every token issued before is refused. */
  revokeTokens(id: number): Promise<void>;
  list(page: PageOptions): Promise<PageResult<UserRow>>;
  count(): Promise<number>;
}

/** Clients, owned by a user. `ownerId` undefined means any owner (admin views). */
export interface ClientRepository {
  create(client: NewClient): Promise<ClientRow>;
  /** Inserts every row in one transaction, as multi-row INSERTs; the rows come back in the order given. */
  createMany(clients: readonly NewClient[]): Promise<ClientRow[]>;
  find(id: number, ownerId: number): Promise<ClientRow | undefined>;
  update(id: number, ownerId: number, patch: ClientPatch): Promise<ClientRow | undefined>;
  delete(id: number, ownerId: number): Promise<boolean>;
  list(page: PageOptions, ownerId?: number): Promise<PageResult<ClientRow>>;
}

/** Filter for {@link PortraitRepository.list}. */
export interface PortraitFilter {
  ownerId?: number;
  clientId?: number;
}

/** Portraits. */
export interface PortraitRepository {
  create(portrait: NewPortrait): Promise<PortraitRow>;
  find(id: number, ownerId?: number): Promise<PortraitRow | undefined>;
  /** The portrait behind a public id (`/ar/:publicId`). */
  findByPublicId(publicId: string): Promise<PortraitRow | undefined>;
  delete(id: number): Promise<boolean>;
  list(page: PageOptions, filter: PortraitFilter): Promise<PageResult<PortraitRow>>;
  /** Every portrait of a client, for cascading deletes of their files. */
  listByClient(clientId: number): Promise<PortraitRow[]>;
  /** Adds view counts in one transaction: portrait id → views since the last flush. */
  addViews(counts: ReadonlyMap<number, number>): Promise<void>;
}

/** Videos of a portrait. */
export interface VideoRepository {
  create(video: NewVideo): Promise<VideoRow>;
  find(id: number, ownerId: number): Promise<VideoRow | undefined>;
  listByPortrait(portraitId: number): Promise<VideoRow[]>;
  updateSchedule(id: number, startsAt: string | null, endsAt: string | null): Promise<VideoRow | undefined>;
  /** Deletes one video row (an upload whose file could not be committed). */
  delete(id: number): Promise<boolean>;
}

/** All repositories over one database, plus its lifecycle. */
export interface Repositories {
  users: UserRepository;
  clients: ClientRepository;
  portraits: PortraitRepository;
  videos: VideoRepository;
  /** Every storage key a row names (portraits' image, thumbnail and marker, videos), for the start-up reconciliation. */
  storedKeys(): Promise<string[]>;
  /** The SQL engine behind them. */
  dialect: SqlDialectName;
  /** Throws when the database does not answer. */
  check(): Promise<void>;
  close(): Promise<void>;
}

type Db = Kysely<DatabaseSchema>;
type PagedTable = 'users' | 'clients' | 'portraits';

// count(*) is a number on SQLite and a string (bigint) on PostgreSQL.
async function countRows(db: Db, table: PagedTable, where: Record<string, number | undefined>): Promise<number> {
  let q = db.selectFrom(table).select((eb) => eb.fn.countAll().as('n'));
  for (const [col, value] of Object.entries(where)) if (value !== undefined) q = q.where(col as any, '=', value);
  const row = await q.executeTakeFirstOrThrow();
  return Number(row.n);
}

async function page<T>(db: Db, table: PagedTable, where: Record<string, number | undefined>, p: PageOptions): Promise<PageResult<T>> {
  let q = db.selectFrom(table).selectAll();
  for (const [col, value] of Object.entries(where)) if (value !== undefined) q = q.where(col as any, '=', value);
  const [items, total] = await Promise.all([
    q.orderBy('id').limit(p.limit).offset(p.offset).execute(),
    countRows(db, table, where),
  ]);
  return { items: items as T[], total };
}

function userRepository(db: Db): UserRepository {
  return {
    create: (user) => db.insertInto('users').values(user).returningAll().executeTakeFirstOrThrow(),
    findById: (id) => db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst(),
    findByUsername: (username) => db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst(),
    async usernameTaken(username) {
      const row = await db.selectFrom('users').select('id').where(sql<string>`lower(username)`, '=', username.toLowerCase()).executeTakeFirst();
      return row !== undefined;
    },
    async updateCredentials(id, passwordHash, role) {
      await db.updateTable('users')
        .set((eb) => ({ password_hash: passwordHash, role, token_version: eb('token_version', '+', 1) }))
        .where('id', '=', id).execute();
    },
    async revokeTokens(id) {
      await db.updateTable('users').set((eb) => ({ token_version: eb('token_version', '+', 1) })).where('id', '=', id).execute();
    },
    list: (p) => page<UserRow>(db, 'users', {}, p),
    count: () => countRows(db, 'users', {}),
  };
}

/**
 * Rows per multi-row INSERT: 7 bound values a client row, so 500 rows stay far below SQLite's 32 766 and PostgreSQL's
 * 65 535 parameters per statement, while a statement still carries enough rows for the round trips to vanish.
 */
const INSERT_CHUNK = 500;

function clientRepository(db: Db): ClientRepository {
  return {
    create: (client) => db.insertInto('clients').values(client).returningAll().executeTakeFirstOrThrow(),
    async createMany(clients) {
      if (clients.length === 0) return [];
      return db.transaction().execute(async (trx) => {
        const rows: ClientRow[] = [];
        for (let i = 0; i < clients.length; i += INSERT_CHUNK) {
          const chunk = await trx.insertInto('clients').values(clients.slice(i, i + INSERT_CHUNK)).returningAll().execute();
          // Neither engine promises RETURNING in VALUES order; ids are assigned in that order, so sorting restores it.
          rows.push(...chunk.sort((a, b) => a.id - b.id));
        }
        return rows;
      });
    },
    find: (id, ownerId) =>
      db.selectFrom('clients').selectAll().where('id', '=', id).where('user_id', '=', ownerId).executeTakeFirst(),
    update: (id, ownerId, patch) =>
      db.updateTable('clients').set(patch).where('id', '=', id).where('user_id', '=', ownerId).returningAll().executeTakeFirst(),
    async delete(id, ownerId) {
      const r = await db.deleteFrom('clients').where('id', '=', id).where('user_id', '=', ownerId).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    list: (p, ownerId) => page<ClientRow>(db, 'clients', { user_id: ownerId }, p),
  };
}

function portraitRepository(db: Db): PortraitRepository {
  return {
    create: (portrait) => db.insertInto('portraits').values(portrait).returningAll().executeTakeFirstOrThrow(),
    find(id, ownerId) {
      let q = db.selectFrom('portraits').selectAll().where('id', '=', id);
      if (ownerId !== undefined) q = q.where('user_id', '=', ownerId);
      return q.executeTakeFirst();
    },
    findByPublicId: (publicId) => db.selectFrom('portraits').selectAll().where('public_id', '=', publicId).executeTakeFirst(),
    async delete(id) {
      const r = await db.deleteFrom('portraits').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    list: (p, f) => page<PortraitRow>(db, 'portraits', { user_id: f.ownerId, client_id: f.clientId }, p),
    listByClient: (clientId) => db.selectFrom('portraits').selectAll().where('client_id', '=', clientId).orderBy('id').execute(),
    async addViews(counts) {
      if (counts.size === 0) return;
      await db.transaction().execute(async (trx) => {
        for (const [id, n] of counts) {
          await trx.updateTable('portraits').set((eb) => ({ view_count: eb('view_count', '+', n) })).where('id', '=', id).execute();
        }
      });
    },
  };
}

function videoRepository(db: Db): VideoRepository {
  return {
    create: (video) => db.insertInto('videos').values(video).returningAll().executeTakeFirstOrThrow(),
    find: (id, ownerId) =>
      db.selectFrom('videos').selectAll().where('id', '=', id).where('user_id', '=', ownerId).executeTakeFirst(),
    listByPortrait: (portraitId) =>
      db.selectFrom('videos').selectAll().where('portrait_id', '=', portraitId).orderBy('id').execute(),
    updateSchedule: (id, startsAt, endsAt) =>
      db.updateTable('videos').set({ starts_at: startsAt, ends_at: endsAt }).where('id', '=', id).returningAll().executeTakeFirst(),
    async delete(id) {
      const r = await db.deleteFrom('videos').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}

/** Builds every repository over one kysely instance (SQLite or PostgreSQL). */
export function createRepositories(db: Db, dialect: SqlDialectName): Repositories {
  return {
    dialect,
    users: userRepository(db),
    clients: clientRepository(db),
    portraits: portraitRepository(db),
    videos: videoRepository(db),
    async storedKeys() {
      const [portraits, videos] = await Promise.all([
        db.selectFrom('portraits').select(['image_key', 'thumbnail_key', 'marker_key']).execute(),
        db.selectFrom('videos').select('video_key').execute(),
      ]);
      return [...portraits.flatMap((p) => [p.image_key, p.thumbnail_key, p.marker_key]), ...videos.map((v) => v.video_key)];
    },
    check: () => pingDatabase(db),
    close: () => db.destroy(),
  };
}
