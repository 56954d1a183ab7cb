"""Reads of self-service: who sees which requests, and the lists of the self-service home."""

from django.db.models import Q, QuerySet

from catalog.permissions import user_team_ids
from portal.roles import is_lead
from selfservice.choices import RequestStatus
from selfservice.models import Request


def request_list_visible(*, user) -> QuerySet[Request]:
    """The requester, their team, the team's leads (approvers) and the portal's lead; others see nothing (404)."""
    requests = Request.objects.select_related("requester", "team", "decided_by")
    if is_lead(user):
        return requests
    return requests.filter(Q(requester=user) | Q(team_id__in=user_team_ids(user)))


def approvals_waiting_for(*, user) -> QuerySet[Request]:
    pending = request_list_visible(user=user).filter(status=RequestStatus.PENDING_APPROVAL).exclude(requester=user)
    if is_lead(user):
        return pending
    return pending.filter(team__memberships__person__user=user, team__memberships__role__in=["subteam_lead", "lead"])


def request_get_visible(*, user, pk: int) -> Request | None:
    return request_list_visible(user=user).filter(pk=pk).first()
