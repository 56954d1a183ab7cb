"""The Django project: settings, URLs, Celery, authentication, audit trail, health and the dashboard."""

from portal.celery import app as celery_app

__all__ = ["celery_app"]
