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
