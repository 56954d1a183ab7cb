"""Self-service requests and their timelines."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from selfservice.choices import FINISHED, EventKind, RequestStatus
from selfservice.datahub.choices import PublicationStatus

__all__ = ["DataHubPublication", "Request", "RequestEvent"]


class Request(models.Model):
    """One run of a self-service action: what was asked, by whom, its status and outcome."""

    action = models.CharField(max_length=60, db_index=True)
    parameters = models.JSONField(default=dict)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("catalog.Team", on_delete=models.PROTECT, related_name="requests")
    # A repeat with the same key returns this request instead of creating a second one.
    idempotency_key = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=RequestStatus.choices, default=RequestStatus.SUBMITTED)
    approval_reason = models.CharField(max_length=300, blank=True, help_text="Why the policy asks for approval")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_comment = models.TextField(blank=True)
    sandbox = models.BooleanField(default=False, help_text="Ran against a local sandbox, not a remote system")
    # Execution bookkeeping: the Celery task that holds it, attempts, when the sweeper may step in.
    task_id = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    apply_started = models.BooleanField(default=False, help_text="apply() was called: a remote effect may exist")
    last_error = models.TextField(blank=True)
    outcome = models.JSONField(default=dict, blank=True, help_text="External reference and details")
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    updated = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["requester", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="%(app_label)s_%(class)s_idempotency",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="selfservice_request_sweep_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action}"

    def get_absolute_url(self) -> str:
        return reverse("selfservice:request-detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED


class RequestEvent(models.Model):
    """One line of a request's timeline: who, when, what, and a message."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="events")
    created = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_repr = models.CharField(max_length=150, blank=True)
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"{self.request}: {self.kind} {self.to_status} {self.message[:40]}"


class DataHubPublication(models.Model):
    """The last publication of one catalog data product to DataHub: its status and error, shown on the entity."""

    entity = models.OneToOneField("catalog.Entity", on_delete=models.CASCADE, related_name="datahub_publication")
    status = models.CharField(max_length=20, choices=PublicationStatus.choices, default=PublicationStatus.PENDING)
    urn = models.CharField(max_length=300, blank=True)
    last_error = models.TextField(blank=True)
    attempted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.entity_id}: {self.status}"
