# Peer of goal 3 (issue 11): Locust FastHttpUser users waiting between(1, 2), as bench/scripts/idle-user.ts.
from locust import FastHttpUser, between, task


class IdleUser(FastHttpUser):
    wait_time = between(1, 2)

    @task
    def ping(self):
        self.client.get("/", name="ping")
