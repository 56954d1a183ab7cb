"""Who may change what in planning: the lead shapes, bets and closes cycles; a bet's team moves its scopes.

Everyone signed in reads plans (stakeholders included); absences are staff data and hidden from stakeholders.
Services check these too, so the pages and the API cannot disagree.
"""

from rest_framework import permissions

from catalog.permissions import can_manage_team
from portal.roles import is_lead, is_read_only


def can_plan(user) -> bool:
    """Create cycles and pitches, shape, bet, close cycles: the lead's job (R13)."""
    return is_lead(user)


def can_work_on_bet(user, bet) -> bool:
    """Add and move scopes, mark shipped: the bet's subteam (and the lead)."""
    return can_manage_team(user, bet.team)


def can_see_absences(user) -> bool:
    return user.is_authenticated and not is_read_only(user)


def can_record_absence(user, person) -> bool:
    """The lead records anyone's absence; an engineer records their own."""
    if not can_see_absences(user):
        return False
    return is_lead(user) or (person.user_id is not None and person.user_id == user.pk)


class LeadWrites(permissions.BasePermission):
    """API: everyone signed in reads; only the lead writes."""

    message = "Only the Data Infrastructure Lead shapes pitches, places bets and runs cycles."

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or can_plan(request.user)


class StaffWrites(permissions.BasePermission):
    """API: stakeholders read only; engineers and the lead may try a write (the object decides)."""

    message = "Stakeholders can read plans but not change them."

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or not is_read_only(request.user)
