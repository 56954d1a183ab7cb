"""Choices of self-service: the request lifecycle and the kinds of timeline events."""

from django.db import models


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    PENDING_APPROVAL = "pending_approval", "Pending approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


FINISHED = {RequestStatus.REJECTED, RequestStatus.SUCCEEDED, RequestStatus.FAILED, RequestStatus.CANCELLED}
CANCELLABLE = {
    RequestStatus.SUBMITTED,
    RequestStatus.PENDING_APPROVAL,
    RequestStatus.APPROVED,
    RequestStatus.QUEUED,
}

# The lifecycle: every status change goes through one of these edges.
TRANSITIONS: dict[str, set[str]] = {
    RequestStatus.SUBMITTED: {RequestStatus.PENDING_APPROVAL, RequestStatus.QUEUED, RequestStatus.CANCELLED},
    RequestStatus.PENDING_APPROVAL: {RequestStatus.APPROVED, RequestStatus.REJECTED, RequestStatus.CANCELLED},
    RequestStatus.APPROVED: {RequestStatus.QUEUED, RequestStatus.CANCELLED},
    RequestStatus.QUEUED: {RequestStatus.RUNNING, RequestStatus.CANCELLED, RequestStatus.FAILED},
    RequestStatus.RUNNING: {RequestStatus.SUCCEEDED, RequestStatus.FAILED, RequestStatus.QUEUED},
    RequestStatus.FAILED: {RequestStatus.QUEUED},  # a retry by the requester
    RequestStatus.REJECTED: set(),
    RequestStatus.SUCCEEDED: set(),
    RequestStatus.CANCELLED: set(),
}


class EventKind(models.TextChoices):
    TRANSITION = "transition", "Status change"
    APPROVAL = "approval", "Approval"
    ATTEMPT = "attempt", "Attempt"
    LOG = "log", "Log"
