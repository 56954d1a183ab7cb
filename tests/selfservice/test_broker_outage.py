"""The message broker (the suite's own redis-server) is down when a request is submitted: the web tier still
accepts it as queued, and the beat sweeper sends it once the broker is back. Nothing is lost."""

import os
import shutil
import subprocess
import sys

import pytest
import requests

from tests.conftest import ROOT, database_url_for_tests, free_port, stop_process, wait_for
from tests.selfservice.conftest import token_for, topic_params

pytestmark = pytest.mark.integration


class RedisServer:
    def __init__(self, port: int, log):
        self.port, self.log, self.proc = port, log, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.proc = subprocess.Popen(
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        import redis

        wait_for(lambda: redis.Redis.from_url(self.url).ping(), 20, f"redis-server on {self.port}")
        return self

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
            self.proc = None


def test_a_request_submitted_while_the_broker_is_down_completes_after_it_returns(
    people, kafka, celery_worker_process, tmp_path
):
    redis_server = RedisServer(free_port(), tmp_path / "redis.log").start()
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_tests(),
        "CELERY_BROKER_URL": redis_server.url,
        "CELERY_RESULT_BACKEND": redis_server.url,
        "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap,
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
        "SELFSERVICE_SWEEP_INTERVAL": "1",
        "SELFSERVICE_SWEEP_AFTER": "1",
    }
    port = free_port()
    web = subprocess.Popen(
        [
            os.path.join(os.path.dirname(sys.executable), "gunicorn"),
            "portal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=(tmp_path / "web.log").open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: requests.get(f"{base}/healthz", timeout=2).ok, 60, "the web tier")
        celery_worker_process.start("--beat", "--schedule", str(tmp_path / "beat-schedule"), env=env)
        headers = {"Authorization": f"Token {token_for(people['ana'])}"}

        redis_server.stop()
        assert requests.get(f"{base}/readyz", timeout=10).json()["checks"]["broker"]["ok"] is False
        response = requests.post(
            f"{base}/api/v1/selfservice/requests/",
            json={"action": "kafka-topic", "parameters": topic_params()},
            headers=headers,
            timeout=30,
        )
        assert response.status_code == 202, response.text
        url = response.headers["Location"]
        body = requests.get(url, headers=headers, timeout=10).json()
        assert body["status"] == "queued"
        assert any("Message broker unavailable" in e["message"] for e in body["events"])

        redis_server.start()  # back on the same port
        final = wait_for(
            lambda: (
                (b := requests.get(url, headers=headers, timeout=10).json())["status"] in {"succeeded", "failed"} and b
            ),
            90,
            "the sweeper to send the request and the worker to run it",
            interval=0.5,
        )
        assert final["status"] == "succeeded", final["last_error"]
        assert any("Sent again by the sweeper" in e["message"] for e in final["events"])
        assert kafka.topic("orders.cdc.v1")["partitions"] == 3
    finally:
        stop_process(web)
        redis_server.stop()
