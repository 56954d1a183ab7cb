"""Reads of the project package: who may see which audit events."""

from django.db.models import QuerySet

from portal.models import AuditEvent
from portal.roles import is_lead


def audit_event_list_visible(*, user) -> QuerySet[AuditEvent]:
    """Leads (and superusers) see the whole trail; everyone else sees what they did themselves."""
    events = AuditEvent.objects.select_related("actor", "target_type")
    if is_lead(user):
        return events
    return events.filter(actor=user)
