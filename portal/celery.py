"""The Celery app: configured from Django settings (CELERY_*), tasks autodiscovered, beat schedule in code."""

import os

from celery import Celery
from celery.signals import beat_init, task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The beat schedule is CELERY_BEAT_SCHEDULE in portal/settings.py: in code, the same for every deployment.


@beat_init.connect
def _first_heartbeat(sender, **kwargs) -> None:
    """Send a heartbeat as beat starts, so the dashboard shows beat and a worker alive at once, not a minute on."""
    sender.app.send_task("portal.heartbeat")


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(task=None, **kwargs) -> None:
    """Around each task, what Django does around each request: drop the connections past CONN_MAX_AGE or broken,
    keep the rest (CELERY_DB_REUSE_MAX in settings keeps Celery from closing them all). Not for an eager task: it
    runs inside its caller's transaction."""
    if task is not None and getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
