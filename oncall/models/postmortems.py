"""Postmortems in the playbook's template, and their action items (R12: an owner and a deadline each)."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from catalog.models import Person
from oncall.choices import ActionItemStatus, PostmortemStatus
from oncall.models.incidents import Incident

__all__ = ["ActionItem", "Postmortem"]


class Postmortem(models.Model):
    """Blameless: summary, timeline, 5-why root cause analysis, action items, retrospective."""

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="postmortem")
    status = models.CharField(max_length=20, choices=PostmortemStatus.choices, default=PostmortemStatus.DRAFT)
    summary = models.TextField(blank=True, help_text="Markdown: severity, duration, affected scope")
    root_cause = models.CharField(max_length=300, blank=True, help_text="The root cause in one line")
    timeline = models.TextField(blank=True, help_text="Markdown table, pre-filled from the incident's events")
    analysis = models.TextField(blank=True, help_text="Markdown: the 5-why root cause analysis")
    went_well = models.TextField(blank=True, help_text="What went well")
    to_improve = models.TextField(blank=True, help_text="What to improve")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"Postmortem of {self.incident}"

    def get_absolute_url(self) -> str:
        return reverse("oncall:postmortem-detail", args=[self.incident_id])


class ActionItem(models.Model):
    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="action_items")
    title = models.CharField(max_length=300)
    owner = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="action_items")
    deadline = models.DateField()
    status = models.CharField(max_length=20, choices=ActionItemStatus.choices, default=ActionItemStatus.OPEN)
    done_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["status", "deadline"], name="oncall_actionitem_due_idx")]

    def __str__(self) -> str:
        return self.title
