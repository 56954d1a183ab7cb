"""The audit trail and hashed API tokens."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from knox.models import AbstractAuthToken

__all__ = ["ApiToken", "AuditEvent", "Heartbeat"]


class AuditEvent(models.Model):
    """One thing that happened: who did it, to what, when, and what changed (before/after)."""

    created = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text so the trail still reads after the user or the object is deleted.
    actor_repr = models.CharField(max_length=150, blank=True)
    verb = models.CharField(max_length=80, db_index=True, help_text="e.g. service.updated, token.revoked")
    target_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True, help_text="{field: [before, after]}")
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "-created"], name="portal_audit_target_idx")]

    def __str__(self) -> str:
        return f"{self.created:%Y-%m-%d %H:%M} {self.actor_repr or 'system'} {self.verb} {self.target_repr}"


class ApiToken(AbstractAuthToken):
    """A personal API token. Only a SHA-512 digest and the first characters are stored (django-rest-knox)."""

    name = models.CharField(max_length=100, help_text="What the token is for, e.g. 'CI pipeline'")
    last_used = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name} ({self.token_key}…)"


class Heartbeat(models.Model):
    """The last time a background component (Celery beat through a worker) showed it was alive."""

    name = models.CharField(max_length=50, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.seen_at:%Y-%m-%d %H:%M:%S}"
