"""Who may change what in on-call: a team manages its own rotations and policy, the lead manages all,
stakeholders read. Incidents are run by their team, their commander and the lead."""

from rest_framework import permissions

from catalog.permissions import can_manage_team, user_team_ids
from oncall.models import ActionItem, EscalationPolicy, Incident, Override, Postmortem, Rotation, SwapRequest
from portal.roles import is_lead, is_read_only


def person_of(user):
    return getattr(user, "person", None) if user.is_authenticated else None


def can_manage_rotation(user, rotation: Rotation) -> bool:
    return can_manage_team(user, rotation.team)


def can_decide_swap(user, swap: SwapRequest) -> bool:
    """The counterpart accepts or declines; the lead may too."""
    if is_read_only(user):
        return False
    person = person_of(user)
    return is_lead(user) or (person is not None and person.pk == swap.counterpart_id)


def can_cancel_swap(user, swap: SwapRequest) -> bool:
    if is_read_only(user):
        return False
    person = person_of(user)
    return is_lead(user) or (person is not None and person.pk == swap.requester_id)


def can_declare_incident(user) -> bool:
    return user.is_authenticated and not is_read_only(user)


def can_manage_incident(user, incident: Incident) -> bool:
    """The lead, the responding team's members, the commander, and whoever declared it."""
    if not user.is_authenticated or is_read_only(user):
        return False
    if is_lead(user) or incident.created_by_id == user.pk:
        return True
    if incident.team_id and incident.team_id in user_team_ids(user):
        return True
    person = person_of(user)
    return person is not None and person.pk == incident.commander_id


def can_update_action_item(user, item: ActionItem) -> bool:
    person = person_of(user)
    if person is not None and person.pk == item.owner_id and not is_read_only(user):
        return True
    return can_manage_incident(user, item.postmortem.incident)


class OncallObjectPermission(permissions.BasePermission):
    """API: everyone signed in reads; writes need the team (or the incident's people) or the lead."""

    message = "Only the owning team or the lead may change this."

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return not is_read_only(request.user)

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        if isinstance(obj, Rotation):
            return can_manage_rotation(user, obj)
        if isinstance(obj, Override):
            return can_manage_rotation(user, obj.rotation)
        if isinstance(obj, EscalationPolicy):
            return can_manage_team(user, obj.team)
        if isinstance(obj, Incident):
            return can_manage_incident(user, obj)
        if isinstance(obj, Postmortem):
            return can_manage_incident(user, obj.incident)
        if isinstance(obj, ActionItem):
            return can_update_action_item(user, obj)
        # A swap's actions decide themselves: accept/decline for the counterpart, cancel for the requester.
        return isinstance(obj, SwapRequest)
