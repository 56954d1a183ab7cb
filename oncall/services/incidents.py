"""Writes of incidents: declare, update, move through statuses, acknowledge, add to the timeline."""

from collections.abc import Sequence
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog.models import Entity, Person, Team
from oncall import rules, selectors
from oncall.choices import STATUS_ORDER, EventKind, IncidentStatus, RootCauseCategory, Severity
from oncall.models import Incident, IncidentEvent
from oncall.services.common import created_changes, field_error
from portal import audit

EDITABLE = (
    "title",
    "severity",
    "description",
    "team",
    "commander",
    "root_cause_category",
    "started_at",
    "detected_at",
    "acknowledged_at",
    "mitigated_at",
    "resolved_at",
)
TIMES = ("started_at", "detected_at", "acknowledged_at", "mitigated_at", "resolved_at")


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def default_team(affected: Sequence[Entity]) -> Team | None:
    """The owning team of the most critical affected entity."""
    for entity in sorted(affected, key=lambda e: (e.tier, e.name)):
        team = selectors.owning_team(entity)
        if team is not None:
            return team
    return None


def default_commander(team: Team | None, at: datetime) -> Person | None:
    """The primary on call of the responding team when the incident started (read from the database)."""
    if team is None:
        return None
    rows = [row for row in selectors.team_primaries_now(team=team, at=at, fresh=True) if row.person]
    return Person.objects.get(pk=rows[0].person.pk) if rows else None


def _check(incident: Incident) -> None:
    errors = rules.incident_time_problems(**{name: getattr(incident, name) for name in TIMES})
    if incident.status == IncidentStatus.RESOLVED and incident.resolved_at is None:
        errors.setdefault("resolved_at", []).append("A resolved incident needs its resolution time.")
    if errors:
        raise ValidationError(errors)
    incident.full_clean()


def _event(incident: Incident, *, actor, text: str, kind: str = EventKind.NOTE, at: datetime | None = None):
    return IncidentEvent.objects.create(
        incident=incident, at=at or timezone.now(), kind=kind, text=text[:500], author=_user(actor)
    )


@transaction.atomic
def incident_create(
    *,
    actor,
    title: str,
    severity: str,
    affected: Sequence[Entity] = (),
    description: str = "",
    team: Team | None = None,
    commander: Person | None = None,
    started_at: datetime | None = None,
    detected_at: datetime | None = None,
    root_cause_category: str = "",
) -> Incident:
    """Declare an incident; the team and commander default to the affected entity's owners and their primary."""
    now = timezone.now()
    started_at = started_at or now
    detected_at = detected_at or max(now, started_at)
    team = team or default_team(affected)
    commander = commander or default_commander(team, started_at)
    incident = Incident(
        title=(title or "").strip(),
        severity=severity,
        description=description,
        team=team,
        commander=commander,
        started_at=started_at,
        detected_at=detected_at,
        root_cause_category=root_cause_category or "",
        created_by=_user(actor),
    )
    _check(incident)
    incident.save()
    incident.affected.set(affected)
    who = f"; commander {commander}" if commander else ""
    _event(
        incident,
        actor=actor,
        kind=EventKind.DECLARED,
        at=detected_at,
        text=f"Declared {incident.get_severity_display()}: {incident.title}{who}",
    )
    audit.record(
        actor=actor,
        verb="incident.created",
        target=incident,
        changes=created_changes(incident, {"affected": [str(e) for e in affected]}),
    )
    return incident


@transaction.atomic
def incident_update(*, actor, incident: Incident, affected: Sequence[Entity] | None = None, **fields) -> Incident:
    """Change what is known; a severity change goes on the timeline."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise field_error(sorted(unknown)[0], "This field cannot be changed here.")
    before = audit.snapshot(incident, {"affected": [str(e) for e in incident.affected.all()]})
    old_severity = incident.severity
    for name, value in fields.items():
        setattr(incident, name, value if value is not None or name in TIMES or name in ("team", "commander") else "")
    _check(incident)
    incident.save()
    if affected is not None:
        incident.affected.set(affected)
    if incident.severity != old_severity:
        _event(
            incident,
            actor=actor,
            kind=EventKind.SEVERITY,
            text=f"Severity {Severity(old_severity).label} → {incident.get_severity_display()}",
        )
    audit.record_change(
        actor=actor,
        verb="incident.updated",
        instance=incident,
        before=before,
        extra={"affected": [str(e) for e in incident.affected.all()]},
    )
    return incident


@transaction.atomic
def incident_set_status(
    *, actor, incident: Incident, status: str, at: datetime | None = None, note: str = "", root_cause_category=None
) -> Incident:
    """Move to `status`; mitigated and resolved stamp their time. Reopening goes back to investigating."""
    if status not in IncidentStatus.values:
        raise field_error("status", f"Choose one of: {', '.join(IncidentStatus.values)}.")
    if status == incident.status:
        raise field_error("status", f"The incident is already {incident.get_status_display().lower()}.")
    going_back = STATUS_ORDER.index(status) < STATUS_ORDER.index(incident.status)
    if going_back and incident.status == IncidentStatus.RESOLVED and status != IncidentStatus.INVESTIGATING:
        raise field_error("status", "A resolved incident can only be reopened (investigating).")
    if root_cause_category and root_cause_category not in RootCauseCategory.values:
        raise field_error("root_cause_category", f"Choose one of: {', '.join(RootCauseCategory.values)}.")
    at = at or timezone.now()
    if at < incident.detected_at:
        raise field_error(
            "at", f"Cannot be before the incident was detected ({incident.detected_at:%Y-%m-%d %H:%M} UTC)."
        )
    before = audit.snapshot(incident)
    old = incident.get_status_display()
    incident.status = status
    if going_back:
        # Reopened or stepped back: the later milestones have not happened (yet).
        for name, milestone in (("resolved_at", IncidentStatus.RESOLVED), ("mitigated_at", IncidentStatus.MITIGATED)):
            if STATUS_ORDER.index(status) < STATUS_ORDER.index(milestone):
                setattr(incident, name, None)
    if status in (IncidentStatus.MITIGATED, IncidentStatus.RESOLVED) and incident.mitigated_at is None:
        incident.mitigated_at = at
    if status == IncidentStatus.RESOLVED:
        incident.resolved_at = at
    if incident.acknowledged_at is None and status != IncidentStatus.INVESTIGATING:
        incident.acknowledged_at = min(at, incident.mitigated_at or at)
    if root_cause_category:
        incident.root_cause_category = root_cause_category
    _check(incident)
    incident.save()
    text = f"Status {old} → {incident.get_status_display()}" + (f": {note}" if note else "")
    _event(incident, actor=actor, kind=EventKind.STATUS, at=at, text=text)
    audit.record_change(actor=actor, verb="incident.status_changed", instance=incident, before=before)
    return incident


@transaction.atomic
def incident_acknowledge(*, actor, incident: Incident, at: datetime | None = None) -> Incident:
    """Someone has it: stops the escalation clock (R4)."""
    if incident.acknowledged_at is not None:
        raise field_error("acknowledged_at", f"Already acknowledged at {incident.acknowledged_at:%Y-%m-%d %H:%M} UTC.")
    before = audit.snapshot(incident)
    incident.acknowledged_at = at or timezone.now()
    _check(incident)
    incident.save(update_fields=["acknowledged_at", "updated"])
    name = actor.get_full_name() or actor.get_username() if _user(actor) else "system"
    _event(
        incident, actor=actor, kind=EventKind.ACKNOWLEDGED, at=incident.acknowledged_at, text=f"Acknowledged by {name}"
    )
    audit.record_change(actor=actor, verb="incident.acknowledged", instance=incident, before=before)
    return incident


@transaction.atomic
def incident_add_event(*, actor, incident: Incident, text: str, at: datetime | None = None) -> IncidentEvent:
    text = (text or "").strip()
    if not text:
        raise field_error("text", "Write what happened.")
    if len(text) > 500:
        raise field_error("text", "Ensure this value has at most 500 characters.")
    at = at or timezone.now()
    if at < incident.started_at:
        raise field_error("at", "A timeline entry cannot be before the incident started.")
    event = _event(incident, actor=actor, text=text, at=at)
    audit.record(actor=actor, verb="incident.event_added", target=incident, message=f"{at:%Y-%m-%d %H:%M} {text}")
    return event
