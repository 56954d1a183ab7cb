"""Smoke test of the embedded default: `bin/run` (what `make run` calls) with SQLite and a serverless broker."""

import os
import re
import subprocess

import pytest
import requests

from tests.conftest import ROOT, free_port, stop_process, wait_for

pytestmark = pytest.mark.integration

SERVER_VARIABLES = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "REDIS_URL",
    "KAFKA_BOOTSTRAP_SERVERS",
)


@pytest.fixture
def embedded_portal(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in SERVER_VARIABLES}
    env.update(
        PORT=str(port),
        PORTAL_VAR_DIR=str(tmp_path / "var"),
        WEB_WORKERS="1",
        CELERY_CONCURRENCY="1",
        KAFKA_SANDBOX_BOOTSTRAP=f"127.0.0.1:{free_port()}",  # the sandbox broker bin/run starts
    )
    log = tmp_path / "run.log"
    proc = subprocess.Popen(
        ["bin/run"], cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: requests.get(f"{base}/healthz", timeout=2).ok, 120, f"the portal; log:\n{log}")
        yield base, env, log
    finally:
        stop_process(proc)


def test_make_run_serves_the_portal_on_sqlite_with_a_worker(embedded_portal):
    base, env, log = embedded_portal
    output = log.read_text()
    assert f"The portal is running at {base}/" in output
    assert "alex (lead)" in output and "demo-pass-2026" in output

    ready = requests.get(f"{base}/readyz", timeout=10)
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["broker"]["ok"] is True

    session = requests.Session()
    login_page = session.get(f"{base}/accounts/login/", timeout=10)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text).group(1)
    home = session.post(
        f"{base}/accounts/login/",
        data={"username": "kim", "password": "demo-pass-2026", "csrfmiddlewaretoken": csrf},
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=10,
    )
    assert home.url == f"{base}/"
    assert "Dashboard" in home.text and "Min-jun Kim" in home.text

    # A task goes through the filesystem broker to the worker and back.
    pong = subprocess.run(
        [".venv/bin/python", "manage.py", "ping_worker", "--timeout", "60"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert pong.returncode == 0, pong.stderr
    assert "pong: portal" in pong.stdout
    assert os.path.exists(os.path.join(env["PORTAL_VAR_DIR"], "portal.sqlite3")), "the embedded SQLite file"
    # Celery beat runs too: its first heartbeat, run by the worker, shows on the dashboard.
    wait_for(lambda: "healthy" in session.get(f"{base}/", timeout=10).text, 60, "beat's heartbeat on the dashboard")


def test_make_run_creates_a_kafka_topic_on_its_sandbox_broker(embedded_portal):
    base, env, _log = embedded_portal
    token = subprocess.run(
        [".venv/bin/python", "manage.py", "create_api_token", "kim", "--name", "smoke"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.strip()
    headers = {"Authorization": f"Token {token}"}
    action = requests.get(f"{base}/api/v1/selfservice/actions/kafka-topic/", headers=headers, timeout=10).json()
    assert action["sandbox"] is True and "local sandbox broker" in action["target"]
    services_url = f"{base}/api/v1/catalog/services/?page_size=500"

    def listed_slugs() -> list[str]:
        return [s["slug"] for s in requests.get(services_url, headers=headers, timeout=10).json()["results"]]

    assert "clicks-raw-v1" not in listed_slugs()  # and this list is now in the web process's cache
    response = requests.post(
        f"{base}/api/v1/selfservice/requests/",
        json={
            "action": "kafka-topic",
            "parameters": {
                "name": "clicks.raw.v1",
                "partitions": 2,
                "replication_factor": 1,
                "retention_ms": 3600000,
                "cleanup_policy": "delete",
            },
        },
        headers=headers,
        timeout=30,
    )
    assert response.status_code == 202, response.text
    url = response.headers["Location"]
    final = wait_for(
        lambda: (b := requests.get(url, headers=headers, timeout=10).json())["status"] in {"succeeded", "failed"} and b,
        90,
        "the embedded worker to create the topic",
        interval=0.5,
    )
    assert final["status"] == "succeeded", final["last_error"]
    assert final["sandbox"] is True and final["team"] == "data-platform"
    entry = requests.get(f"{base}/api/v1/catalog/services/clicks-raw-v1/", headers=headers, timeout=10)
    assert entry.status_code == 200 and entry.json()["kind"] == "kafka_topic"
    # The worker wrote the catalog entry: the cached list of the web process moved on with it.
    assert "clicks-raw-v1" in listed_slugs()
