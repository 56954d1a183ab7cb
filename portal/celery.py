"""The Celery app: configured from Django settings (CELERY_*), tasks autodiscovered, beat schedule in code."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The beat schedule is CELERY_BEAT_SCHEDULE in portal/settings.py: in code, the same for every deployment.
