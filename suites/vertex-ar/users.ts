/**
 * The Vertex AR user behaviours: the user model of the Locust file this project replaces
 * (UserBehavior, AdminBehavior, ReadOnlyUser, RegularUser, AdminUser, ApiStressTest, WebsiteUser).
 *
 *   npx stampede -f suites/vertex-ar/users.ts --headless -u 50 -r 10 -t 30s --host http://127.0.0.1:8000
 *
 * The admin classes read ADMIN_USERNAME / ADMIN_PASSWORD (the values the API bootstrapped its admin from) and
 * fail onStart with a clear message without them; pick classes by name to leave them out (`... ReadOnlyUser`).
 */
import { HttpUser, SequentialTaskSet, TaskSet, between, tag, task } from 'stampede-load';
import { adminCredentials, login, registerAndLogin } from './lib/account.ts';
import { samplePng } from './lib/sample-image.ts';
import { AR_NAME, ScheduleSwitcher } from './lib/video-schedule.ts';

interface ClientBody {
  id: number;
}
interface PortraitListBody {
  items: { id: number; public_id: string }[];
  total: number;
}

/**
 * A regular user's workflow, in order and looping: profile, create a client, list clients, read the new client
 * back, list portraits, health. Registers and logs in once.
 */
export class UserBehavior extends SequentialTaskSet<HttpUser> {
  clientId: number | undefined;

  override async onStart(): Promise<void> {
    await registerAndLogin(this.client, 'regular');
  }

  @task @tag('read') async getProfile(): Promise<void> {
    await this.client.get('/users/me');
  }

  @task @tag('write') async createClient(): Promise<void> {
    const res = await this.client.post('/clients', { json: { name: 'Client', phone: '+1 555 0100', notes: 'load test' } });
    this.user.check('client created', res.status === 201);
    this.clientId = res.status === 201 ? res.json<ClientBody>().id : undefined;
  }

  @task @tag('read') async listClients(): Promise<void> {
    const res = await this.client.get('/clients', { query: { limit: 20 } });
    this.user.check('clients listed', res.status === 200);
  }

  @task @tag('read') async getClient(): Promise<void> {
    if (this.clientId !== undefined) await this.client.get(`/clients/${this.clientId}`, { name: '/clients/:id' });
  }

  @task @tag('read') async listPortraits(): Promise<void> {
    await this.client.get('/portraits');
  }

  @task @tag('health') async healthCheck(): Promise<void> {
    await this.client.get('/health');
  }
}

/** An administrator: logs in with the bootstrap credentials and watches the whole system. */
export class AdminBehavior extends TaskSet<HttpUser> {
  override async onStart(): Promise<void> {
    const { username, password } = adminCredentials();
    await login(this.client, username, password, '/auth/login (admin)');
  }

  @task(3) @tag('admin') async listAllUsers(): Promise<void> {
    await this.client.get('/admin/users');
  }

  @task(2) @tag('admin') async listAllClients(): Promise<void> {
    await this.client.get('/admin/clients');
  }

  @task(2) @tag('admin') async listAllPortraits(): Promise<void> {
    await this.client.get('/admin/portraits');
  }

  @task(1) @tag('admin') async checkStorage(): Promise<void> {
    const res = await this.client.get('/admin/storage');
    this.user.check('storage backend ok', res.status === 200);
  }
}

/** Lightweight reader: registers once, then only reads. */
export class ReadOnlyUser extends HttpUser {
  static override weight = 2;
  static override waitTime = between(1, 3);

  override async onStart(): Promise<void> {
    await registerAndLogin(this.client, 'reader');
  }

  @task(3) @tag('read') async viewPortraits(): Promise<void> {
    await this.client.get('/portraits');
  }

  @task(2) @tag('read') async viewClients(): Promise<void> {
    await this.client.get('/clients');
  }

  @task(1) @tag('read') async viewProfile(): Promise<void> {
    await this.client.get('/users/me');
  }

  @task(1) @tag('health') async healthCheck(): Promise<void> {
    await this.client.get('/health');
  }
}

/** The typical user population: UserBehavior, weighted 3. */
export class RegularUser extends HttpUser {
  static override weight = 3;
  static override waitTime = between(1, 3);
  static override tasks = [UserBehavior];
}

/** Administrators: AdminBehavior, weighted 1, slower paced. */
export class AdminUser extends HttpUser {
  static override weight = 1;
  static override waitTime = between(2, 5);
  static override tasks = [AdminBehavior];
}

/** Rapid-fire health checks and docs access, to stress the cheapest paths. */
export class ApiStressTest extends HttpUser {
  static override weight = 1;
  static override waitTime = between(0.1, 0.5);

  @task(3) @tag('health') async rapidHealthChecks(): Promise<void> {
    await this.client.get('/health/live');
  }

  @task(1) @tag('docs') async rapidDocsAccess(): Promise<void> {
    await this.client.get('/openapi.json');
  }
}

/**
 * A website visitor's journey, weighted toward reads: home, register and log in, browse, create content, and
 * schedule which video the visitor's first portrait shows.
 */
export class WebsiteUser extends HttpUser {
  static override weight = 2;
  static override waitTime = between(1, 5);
  /** Public ids of the portraits seen or made: what `/ar/:publicId` takes. */
  publicIds: string[] = [];
  clientId: number | undefined;
  /** The first portrait this visitor made, and its two videos once uploaded. */
  ownPortrait: { id: number; public_id: string } | undefined;
  scheduler: ScheduleSwitcher | undefined;

  override async onStart(): Promise<void> {
    await this.client.get('/');
    await registerAndLogin(this.client, 'visitor');
  }

  @task(4) @tag('read') async home(): Promise<void> {
    await this.client.get('/');
  }

  @task(6) @tag('read') async browsePortraits(): Promise<void> {
    const res = await this.client.get('/portraits');
    if (res.status === 200) this.publicIds = res.json<PortraitListBody>().items.map((p) => p.public_id);
  }

  @task(6) @tag('read') async viewArContent(): Promise<void> {
    const id = this.publicIds[Math.floor(Math.random() * this.publicIds.length)];
    if (id === undefined) return;
    const res = await this.client.get(`/ar/${id}`, { name: AR_NAME });
    this.check('AR content served', res.status === 200);
  }

  @task(1) @tag('write') async createContent(): Promise<void> {
    if (this.clientId === undefined) {
      const res = await this.client.post('/clients', { json: { name: 'Website client' } });
      if (res.status !== 201) return;
      this.clientId = res.json<ClientBody>().id;
    }
    const image = samplePng(Math.floor(Math.random() * 2 ** 31));
    const res = await this.client.post('/portraits', {
      multipart: { client_id: String(this.clientId), image: { data: image, filename: 'portrait.png', contentType: 'image/png' } },
    });
    this.check('portrait created', res.status === 201);
    if (res.status !== 201) return;
    const portrait = res.json<{ id: number; public_id: string }>();
    this.publicIds.push(portrait.public_id);
    this.ownPortrait ??= portrait;
  }

  @task(1) @tag('write') async scheduleVideo(): Promise<void> {
    if (this.ownPortrait === undefined) return;
    this.scheduler ??= await ScheduleSwitcher.create(this.client, this.ownPortrait);
    await this.scheduler?.switchOnce(this.client, this);
  }
}
