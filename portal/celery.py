"""The Celery app: configured from Django settings (CELERY_*), tasks autodiscovered, beat schedule in code."""

import os

from celery import Celery
from celery.signals import beat_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The beat schedule is CELERY_BEAT_SCHEDULE in portal/settings.py: in code, the same for every deployment.


@beat_init.connect
def _first_heartbeat(sender, **kwargs) -> None:
    """Send a heartbeat as beat starts, so the dashboard shows beat and a worker alive at once, not a minute on."""
    sender.app.send_task("portal.heartbeat")
