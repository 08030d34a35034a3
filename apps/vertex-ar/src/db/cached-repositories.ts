/**
 * Repositories with the cache in front: user profiles (read by every authenticated request), a user's
 * client list pages, and portrait metadata. Each write awaits the invalidation of what it changed before
 * it returns, so the route answers only once no worker can serve the old value.
 */
import type { CacheManager } from '../cache/cache-manager.ts';
import type { PortraitRow } from './schema.ts';
import type { Repositories } from './repositories.ts';

const userKey = (id: number) => `user:${id}`;
const clientsKey = (ownerId: number) => `clients:${ownerId}`;
const portraitKey = (id: number) => `portrait:${id}`;

/** Wraps `repos` so reads go through `cache` and writes invalidate it. */
export function withCache(repos: Repositories, cache: CacheManager): Repositories {
  const { users, clients, portraits } = repos;
  return {
    ...repos,
    users: {
      ...users,
      findById: (id) => cache.getOrLoad(userKey(id), '', () => users.findById(id)),
      async updateCredentials(id, passwordHash, role) {
        await users.updateCredentials(id, passwordHash, role);
        await cache.invalidate([userKey(id)]);
      },
      // The cached row carries `token_version`, which the auth check compares: a bump must drop it everywhere.
      async revokeTokens(id) {
        await users.revokeTokens(id);
        await cache.invalidate([userKey(id)]);
      },
    },
    clients: {
      ...clients,
      async create(client) {
        const row = await clients.create(client);
        await cache.invalidate([clientsKey(client.user_id)]);
        return row;
      },
      async createMany(rows) {
        const created = await clients.createMany(rows);
        await cache.invalidate([...new Set(rows.map((c) => clientsKey(c.user_id)))]);
        return created;
      },
      async update(id, ownerId, patch) {
        const row = await clients.update(id, ownerId, patch);
        if (row) await cache.invalidate([clientsKey(ownerId)]);
        return row;
      },
      async delete(id, ownerId) {
        const deleted = await clients.delete(id, ownerId);
        if (deleted) await cache.invalidate([clientsKey(ownerId)]);
        return deleted;
      },
      // Admin views (no owner) see everyone and change often: not cached.
      async list(page, ownerId) {
        if (ownerId === undefined) return clients.list(page);
        // The loader always returns a page, so the result is never undefined.
        return (await cache.getOrLoad(clientsKey(ownerId), `${page.limit}:${page.offset}`, () => clients.list(page, ownerId)))!;
      },
    },
    portraits: {
      ...portraits,
      async find(id, ownerId) {
        // Cached by id alone; the ownership check is done on the cached row.
        const row = await cache.getOrLoad<PortraitRow>(portraitKey(id), '', () => portraits.find(id));
        return row && (ownerId === undefined || row.user_id === ownerId) ? row : undefined;
      },
      async delete(id) {
        const deleted = await portraits.delete(id);
        await cache.invalidate([portraitKey(id)]);
        return deleted;
      },
      async addViews(counts) {
        await portraits.addViews(counts);
        // view_count is part of the metadata; a flush is a write like any other.
        await cache.invalidate([...counts.keys()].map(portraitKey));
      },
    },
  };
}
