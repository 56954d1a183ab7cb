"""Tasks of the project package: a ping for round-trip checks and the beat heartbeat."""

import socket

from celery import shared_task
from django.utils import timezone

BEAT_HEARTBEAT = "beat"


@shared_task(name="portal.ping")
def ping(payload: str = "ping") -> dict:
    """Answer from the worker, so a caller can see a task go there and back."""
    return {"reply": f"pong: {payload}", "worker": socket.gethostname()}


@shared_task(name="portal.heartbeat", ignore_result=True)
def heartbeat() -> str:
    """Sent by beat every minute and run by a worker: the dashboard shows when the last one ran."""
    from portal.models import Heartbeat

    now = timezone.now()
    Heartbeat.objects.update_or_create(name=BEAT_HEARTBEAT, defaults={"seen_at": now})
    return now.isoformat()
