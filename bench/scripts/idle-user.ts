/** Goal 3 of issue 11: users that mostly wait — one request, then between(1, 2) seconds. */
import { HttpUser, between, task } from 'stampede-load';

export class IdleUser extends HttpUser {
  static override waitTime = between(1, 2);

  @task async ping() {
    await this.client.get('/', { name: 'ping' });
  }
}
