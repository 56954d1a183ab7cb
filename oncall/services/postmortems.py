"""Writes of postmortems (the playbook's template, draft -> in review -> published) and action items (R12)."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog.models import Person
from oncall import rules
from oncall.choices import POSTMORTEM_TRANSITIONS, ActionItemStatus, PostmortemStatus
from oncall.models import ActionItem, Incident, Postmortem
from oncall.services.common import created_changes, field_error
from portal import audit

EDITABLE = ("summary", "root_cause", "timeline", "analysis", "went_well", "to_improve")
ITEM_FIELDS = ("title", "owner", "deadline", "status")


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _hours_minutes(seconds: float) -> str:
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours} hours {rest // 60} minutes"


def template_for(incident: Incident) -> dict[str, str]:
    """The playbook's postmortem template, filled in with what the incident already knows."""
    end = incident.resolved_at or incident.mitigated_at
    duration = f"{incident.started_at:%Y-%m-%d %H:%M} - " + (
        f"{end:%H:%M} UTC ({_hours_minutes((end - incident.started_at).total_seconds())})" if end else "ongoing"
    )
    scope = ", ".join(e.name for e in incident.affected.all()) or "(affected datasets, dashboards, models)"
    summary = (
        f"- Severity: {incident.get_severity_display()}\n- Duration: {duration}\n- Affected scope: {scope}\n"
        "- Root cause: (one-line summary)"
    )
    rows = "\n".join(
        f"| {e.at:%Y-%m-%d %H:%M} | {e.text.replace('|', '/')} |" for e in incident.events.order_by("at", "id")
    )
    timeline = "| Time (UTC) | Event |\n|---|---|\n" + rows
    analysis = "\n".join(
        f"{n}. Why {'did ' + incident.title.rstrip('.') + ' happen' if n == 1 else 'was that'}?\n   → "
        for n in range(1, 6)
    )
    return {"summary": summary, "timeline": timeline, "analysis": analysis}


@transaction.atomic
def postmortem_create(*, actor, incident: Incident) -> Postmortem:
    """Start the postmortem of `incident` as a draft, pre-filled from the playbook's template."""
    if Postmortem.objects.filter(incident=incident).exists():
        raise field_error("incident", f"{incident.reference} already has a postmortem.")
    postmortem = Postmortem.objects.create(incident=incident, created_by=_user(actor), **template_for(incident))
    audit.record(actor=actor, verb="postmortem.created", target=postmortem, changes=created_changes(postmortem))
    return postmortem


@transaction.atomic
def postmortem_update(*, actor, postmortem: Postmortem, root_cause_category: str | None = None, **fields) -> Postmortem:
    if postmortem.status == PostmortemStatus.PUBLISHED:
        raise field_error("status", "A published postmortem is the record: it can no longer be edited.")
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise field_error(sorted(unknown)[0], "This field cannot be changed here.")
    before = audit.snapshot(postmortem, {"root_cause_category": postmortem.incident.root_cause_category})
    for name, value in fields.items():
        setattr(postmortem, name, value or "")
    postmortem.full_clean()
    postmortem.save()
    if root_cause_category is not None:
        incident = postmortem.incident
        incident.root_cause_category = root_cause_category
        incident.full_clean()
        incident.save(update_fields=["root_cause_category", "updated"])
    audit.record_change(
        actor=actor,
        verb="postmortem.updated",
        instance=postmortem,
        before=before,
        extra={"root_cause_category": postmortem.incident.root_cause_category},
    )
    return postmortem


@transaction.atomic
def postmortem_transition(*, actor, postmortem: Postmortem, status: str) -> Postmortem:
    """Draft -> in review -> published (review may send it back to draft); publishing stamps the time (R5)."""
    allowed = POSTMORTEM_TRANSITIONS.get(postmortem.status, ())
    if status not in allowed:
        names = ", ".join(PostmortemStatus(s).label for s in allowed) or "nothing (it is published)"
        raise field_error(
            "status", f"A postmortem that is {postmortem.get_status_display().lower()} can move to: {names}."
        )
    if status in (PostmortemStatus.IN_REVIEW, PostmortemStatus.PUBLISHED):
        errors = {}
        if not postmortem.root_cause.strip():
            errors["root_cause"] = ["State the root cause in one line before review."]
        if not postmortem.incident.root_cause_category:
            errors["root_cause_category"] = ["Choose a root-cause category (it counts repeat incidents)."]
        if errors:
            raise ValidationError(errors)
    before = audit.snapshot(postmortem)
    postmortem.status = status
    if status == PostmortemStatus.PUBLISHED:
        postmortem.published_at = timezone.now()
    postmortem.save(update_fields=["status", "published_at", "updated"])
    audit.record_change(actor=actor, verb=f"postmortem.{status}", instance=postmortem, before=before)
    return postmortem


def _check_item(item: ActionItem) -> None:
    errors = rules.action_item_problems(owner=item.owner if item.owner_id else None, deadline=item.deadline)
    if not (item.title or "").strip():
        errors["title"] = ["Say what will be done."]
    if item.status not in ActionItemStatus.values:
        errors["status"] = [f"Choose one of: {', '.join(ActionItemStatus.values)}."]
    if errors:
        raise ValidationError(errors)
    item.full_clean()


@transaction.atomic
def action_item_create(
    *, actor, postmortem: Postmortem, title: str, owner: Person | None, deadline: date | None, status: str = "open"
) -> ActionItem:
    """R12: an action item has an owner and a deadline."""
    item = ActionItem(postmortem=postmortem, title=(title or "").strip(), owner=owner, deadline=deadline, status=status)
    _check_item(item)
    if item.status == ActionItemStatus.DONE:
        item.done_at = timezone.now()
    item.save()
    audit.record(
        actor=actor,
        verb="action_item.created",
        target=postmortem,
        changes=created_changes(item),
        message=f"{item.title} (owner {owner}, due {deadline})",
    )
    return item


@transaction.atomic
def action_item_update(*, actor, item: ActionItem, **fields) -> ActionItem:
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise field_error(sorted(unknown)[0], "This field cannot be changed here.")
    before = audit.snapshot(item)
    for name, value in fields.items():
        setattr(item, name, value)
    _check_item(item)
    item.done_at = (item.done_at or timezone.now()) if item.status == ActionItemStatus.DONE else None
    item.save()
    audit.record_change(actor=actor, verb="action_item.updated", instance=item, before=before)
    return item
