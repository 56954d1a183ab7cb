"""The Celery app: configured from Django settings (CELERY_*), tasks autodiscovered, beat schedule in code."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic tasks live here, in code, so every deployment runs the same schedule.
app.conf.beat_schedule = {
    "portal-heartbeat": {"task": "portal.heartbeat", "schedule": 60.0},
}
