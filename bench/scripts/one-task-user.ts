/** Goal 2 of issue 11: the one-task HttpUser (no wait between tasks, one named request per task). */
import { HttpUser, constant, task } from 'stampede-load';

export class OneTask extends HttpUser {
  static override waitTime = constant(0);

  @task async hit() {
    await this.client.get('/', { name: 'hello' });
  }
}
