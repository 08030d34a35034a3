# Peer of goal 2 (issue 11): Locust's FastHttpUser doing what bench/scripts/one-task-user.ts does.
from locust import FastHttpUser, constant, task


class OneTask(FastHttpUser):
    wait_time = constant(0)

    @task
    def hit(self):
        self.client.get("/", name="hello")
