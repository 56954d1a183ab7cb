"""Writes and reads for merge requests opened by the gitlab-mr action: following their state after success."""

import logging

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from portal import audit
from selfservice.choices import EventKind, RequestStatus
from selfservice.connectors.base import TransientError
from selfservice.models import Request, RequestEvent

logger = logging.getLogger(__name__)

ACTION_ID = "gitlab-mr"
FINAL_STATES = {"merged", "closed"}
CHECKING = {"", "preparing", "checking", "unchecked", "approvals_syncing"}


def merge_requests_to_follow() -> QuerySet[Request]:
    """Succeeded MR requests on a real GitLab whose MR is still open (or whose mergeability is still computed)."""
    return (
        Request.objects.filter(action=ACTION_ID, status=RequestStatus.SUCCEEDED, sandbox=False)
        .exclude(outcome__mr_state__in=list(FINAL_STATES))
        .order_by("updated")
    )


def request_for_merge_request(*, project: str, iid: int) -> Request | None:
    return (
        Request.objects.filter(action=ACTION_ID, outcome__project=project, outcome__mr_iid=iid, sandbox=False)
        .order_by("-id")
        .first()
    )


@transaction.atomic
def merge_request_state_record(*, request_id: int, state: str, detailed_merge_status: str = "", source: str) -> bool:
    """Store the MR's state on its request; a change of state is a timeline event and an audit event.
    Returns whether anything changed (a repeated webhook or poll changes nothing)."""
    request = Request.objects.select_for_update().filter(pk=request_id).first()
    if request is None:
        return False
    outcome = dict(request.outcome or {})
    previous = outcome.get("mr_state")
    merge_status = detailed_merge_status or outcome.get("detailed_merge_status", "")
    if previous in FINAL_STATES and state not in FINAL_STATES:
        return False  # a late, out-of-order event must not reopen a merged MR in the portal
    if (previous, outcome.get("detailed_merge_status", "")) == (state, merge_status):
        return False
    outcome.update(mr_state=state, detailed_merge_status=merge_status)
    Request.objects.filter(pk=request.pk).update(outcome=outcome, updated=timezone.now())
    if state != previous:
        message = f"Merge request !{outcome.get('mr_iid')} is now {state} ({source})"
        RequestEvent.objects.create(request=request, actor_repr="system", kind=EventKind.LOG, message=message)
        request.outcome = outcome
        audit.record(
            actor=None,
            verb=f"selfservice.request.mr_{state}",
            target=request,
            changes={"mr_state": [previous, state]},
            message=message,
        )
    return True


def merge_requests_follow(*, limit: int = 200) -> dict[str, int]:
    """Poll GitLab for the MRs still open: the webhook may be missing or may have lost an event."""
    from selfservice.connectors.gitlab import GitLabConnector

    connector = GitLabConnector.from_settings()
    counts = {"checked": 0, "changed": 0, "errors": 0}
    if connector.is_sandbox:
        return counts
    for request in merge_requests_to_follow()[:limit]:
        outcome = request.outcome or {}
        if not outcome.get("project") or not outcome.get("mr_iid"):
            continue
        counts["checked"] += 1
        try:
            state = connector.merge_request_state(outcome["project"], int(outcome["mr_iid"]))
        except TransientError as exc:
            counts["errors"] += 1
            logger.warning("request %s: merge request state unavailable: %s", request.pk, exc)
            continue
        except Exception as exc:  # a deleted MR or a revoked token: keep following the others
            counts["errors"] += 1
            logger.warning("request %s: merge request state failed: %s", request.pk, exc)
            continue
        if merge_request_state_record(
            request_id=request.pk, state=state.state, detailed_merge_status=state.detailed_merge_status, source="poll"
        ):
            counts["changed"] += 1
    return counts
