"""Runbooks in the playbook's structure: a header, alert responses as ordered steps, escalation contacts."""

from django.db import models

from catalog.models.entities import Entity

__all__ = ["AlertResponse", "EscalationContact", "Runbook", "RunbookStep"]


class Runbook(models.Model):
    """Written so that an engineer meeting the alert at 3 AM for the first time can resolve it."""

    entity = models.OneToOneField(Entity, on_delete=models.CASCADE, related_name="runbook")
    sla = models.CharField(max_length=200, blank=True, help_text="e.g. 'Refreshed before 7 AM daily'")
    related_dashboards = models.CharField(max_length=300, blank=True, help_text="Comma-separated")
    summary = models.TextField(blank=True)
    last_updated = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Runbook: {self.entity}"


class AlertResponse(models.Model):
    runbook = models.ForeignKey(Runbook, on_delete=models.CASCADE, related_name="alerts")
    position = models.PositiveSmallIntegerField(default=0)
    alert = models.CharField(max_length=200, help_text='e.g. "daily_orders_pipeline FAILED"')

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.alert


class RunbookStep(models.Model):
    alert = models.ForeignKey(AlertResponse, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(default=0)
    instruction = models.TextField()
    command = models.TextField(blank=True, help_text="Shell, SQL or CLI to run, shown as code")

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.instruction[:60]


class EscalationContact(models.Model):
    runbook = models.ForeignKey(Runbook, on_delete=models.CASCADE, related_name="escalation_contacts")
    position = models.PositiveSmallIntegerField(default=0)
    situation = models.CharField(max_length=200)
    target = models.CharField(max_length=200)
    contact_method = models.CharField(max_length=200)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.situation}: {self.target}"
