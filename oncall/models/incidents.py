"""Incidents: severity, status, affected catalog entities, a commander, times and a timeline."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from catalog.models import Entity, Person, Team
from oncall.choices import OPEN_STATUSES, EventKind, IncidentStatus, RootCauseCategory, Severity

__all__ = ["Incident", "IncidentEvent"]


class IncidentQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def resolved(self):
        return self.filter(status=IncidentStatus.RESOLVED, resolved_at__isnull=False)


class Incident(models.Model):
    """Something broke for consumers of data; times are UTC and ordered started <= detected <= ... <= resolved."""

    title = models.CharField(max_length=200)
    severity = models.CharField(max_length=10, choices=Severity.choices, db_index=True)
    status = models.CharField(
        max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.INVESTIGATING, db_index=True
    )
    description = models.TextField(blank=True, help_text="Markdown: what consumers see, what is known")
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents",
        help_text="The team that owns the response (by default the affected entity's owning team)",
    )
    affected = models.ManyToManyField(Entity, blank=True, related_name="incidents")
    commander = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents_commanded"
    )
    root_cause_category = models.CharField(max_length=30, choices=RootCauseCategory.choices, blank=True)
    started_at = models.DateTimeField(db_index=True)
    detected_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    mitigated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("oncall:incident-detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"INC-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def duration(self):
        """Start to resolution: the time to restore (MTTR's unit)."""
        return self.resolved_at - self.started_at if self.resolved_at else None


class IncidentEvent(models.Model):
    """One line of the timeline: a note, a status change, an acknowledgement."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=EventKind.choices, default=EventKind.NOTE)
    text = models.CharField(max_length=500)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.text}"
