"""A real Celery worker process on the real Redis broker runs tasks and its results are read back."""

import pytest
from django.conf import settings

from portal.models import Heartbeat
from portal.tasks import heartbeat, ping
from tests.conftest import wait_for

pytestmark = pytest.mark.integration


def test_the_suite_uses_redis_as_the_broker():
    assert settings.CELERY_BROKER_URL.startswith("redis://")


def test_a_worker_runs_a_task_and_its_result_comes_back(celery_worker_process):
    celery_worker_process.start()
    result = ping.delay("round trip")
    answer = result.get(timeout=30)
    assert answer["reply"] == "pong: round trip"
    assert result.status == "SUCCESS"


def test_a_worker_writes_to_the_same_database(celery_worker_process):
    celery_worker_process.start()
    heartbeat.delay()
    beat = wait_for(lambda: Heartbeat.objects.filter(name="beat").first(), 30, "the heartbeat row")
    assert beat.seen_at is not None


def _other_sessions() -> set[int]:
    """The backend pids of the other sessions on the test database (the worker's, here)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return {pid for (pid,) in cursor.fetchall()}


def test_a_worker_keeps_its_database_connection_from_task_to_task(celery_worker_process):
    """Celery's Django fix-up would close it after every task (a new PostgreSQL session per task); the worker keeps
    it as a web process does, until CONN_MAX_AGE."""
    celery_worker_process.start()
    before = _other_sessions()
    heartbeat.delay()
    ping.delay("after the heartbeat").get(timeout=30)  # one process: the heartbeat and its clean-up are done
    kept = _other_sessions() - before
    assert len(kept) == 1
    heartbeat.delay()
    ping.delay("after the second heartbeat").get(timeout=30)
    assert _other_sessions() - before == kept
