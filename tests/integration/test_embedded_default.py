"""Smoke test of the embedded default: `bin/run` (what `make run` calls) with SQLite and a serverless broker."""

import os
import re
import subprocess

import pytest
import requests

from tests.conftest import ROOT, free_port, stop_process, wait_for

pytestmark = pytest.mark.integration

SERVER_VARIABLES = ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "REDIS_URL")


@pytest.fixture
def embedded_portal(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in SERVER_VARIABLES}
    env.update(PORT=str(port), PORTAL_VAR_DIR=str(tmp_path / "var"), WEB_WORKERS="1", CELERY_CONCURRENCY="1")
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
