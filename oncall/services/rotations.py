"""Writes of rotations, overrides, swaps and calendar feeds; each change is checked against R3."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from catalog.models import Person, Team
from oncall import selectors
from oncall.choices import Layer, SwapStatus
from oncall.models import CalendarFeed, Override, Rotation, RotationParticipant, SwapRequest
from oncall.models.rotations import new_feed_token
from oncall.services.common import created_changes, field_error
from oncall.shifts import Rule
from portal import audit
from portal.roles import is_lead

ROTATION_FIELDS = (
    "name",
    "time_zone",
    "start_date",
    "handoff_weekday",
    "handoff_time",
    "shift_length_days",
    "has_secondary",
)


def _enforce_r3(*, actor, person_ids: set[int], start: datetime, end: datetime, force: bool, field: str) -> str:
    """Refuse the change when it breaks R3, unless the lead forces it; returns the flag text for the audit."""
    if force and not is_lead(actor):
        raise field_error("force", "Only the lead may force a change that breaks R3.")
    violations = selectors.r3_violations_for(person_ids=person_ids, start=start, end=end)
    if violations and not force:
        raise ValidationError({field: [v.message for v in violations]})
    return " ".join(f"Forced despite: {v.message}" for v in violations)


def _check_participants(participants: Sequence[Person]) -> None:
    if not participants:
        raise field_error("participants", "Add at least one participant.")
    seen = set()
    for person in participants:
        if person.pk in seen:
            raise field_error("participants", f"{person} is listed twice; each person takes one place in the order.")
        seen.add(person.pk)


def _set_participants(rotation: Rotation, participants: Sequence[Person]) -> None:
    rotation.participants.all().delete()
    RotationParticipant.objects.bulk_create(
        RotationParticipant(rotation=rotation, person=person, position=i) for i, person in enumerate(participants)
    )


def _r3_window(rotation: Rotation) -> tuple[datetime, datetime]:
    """From now (or the rotation's first hand-off, if later) over the R3 horizon."""
    first = Rule.for_rotation(rotation, ()).start_of(0)
    start = max(timezone.now(), first)
    return start, start + selectors.R3_HORIZON


@transaction.atomic
def rotation_create(
    *, actor, team: Team, participants: Sequence[Person], slug: str = "", force: bool = False, **fields
) -> Rotation:
    """Create a rotation for `team`; refused (or, forced by the lead, flagged) when it breaks R3."""
    _check_participants(participants)
    rotation = Rotation(team=team, **{k: v for k, v in fields.items() if k in ROTATION_FIELDS})
    rotation.slug = slug or slugify(f"{team.slug}-{rotation.name}")[:100]
    if Rotation.objects.filter(slug=rotation.slug).exists():
        raise field_error("name" if not slug else "slug", f"A rotation with the slug '{rotation.slug}' exists.")
    rotation.full_clean()
    rotation.save()
    _set_participants(rotation, participants)
    start, end = _r3_window(rotation)
    flag = _enforce_r3(
        actor=actor, person_ids={p.pk for p in participants}, start=start, end=end, force=force, field="participants"
    )
    audit.record(
        actor=actor,
        verb="rotation.created",
        target=rotation,
        changes=created_changes(rotation, {"participants": [str(p) for p in participants]}),
        message=flag,
    )
    return rotation


@transaction.atomic
def rotation_update(
    *, actor, rotation: Rotation, participants: Sequence[Person] | None = None, force: bool = False, **fields
) -> Rotation:
    """Change the rule or the order of participants; R3 is checked again from now on."""
    current = [p.person for p in rotation.participants.select_related("person")]
    before = audit.snapshot(rotation, {"participants": [str(p) for p in current]})
    for name, value in fields.items():
        if name in ROTATION_FIELDS:
            setattr(rotation, name, value)
    rotation.full_clean()
    rotation.save()
    if participants is not None:
        _check_participants(participants)
        _set_participants(rotation, participants)
        current = list(participants)
    start, end = _r3_window(rotation)
    flag = _enforce_r3(
        actor=actor, person_ids={p.pk for p in current}, start=start, end=end, force=force, field="participants"
    )
    event = audit.record_change(
        actor=actor,
        verb="rotation.updated",
        instance=rotation,
        before=before,
        extra={"participants": [str(p) for p in current]},
    )
    if flag:
        event.message = flag
        event.save(update_fields=["message"])
    return rotation


@transaction.atomic
def rotation_delete(*, actor, rotation: Rotation) -> None:
    audit.record(actor=actor, verb="rotation.deleted", target=rotation, changes=created_changes(rotation))
    rotation.delete()


@transaction.atomic
def override_create(
    *,
    actor,
    rotation: Rotation,
    person: Person,
    starts_at: datetime,
    ends_at: datetime,
    layer: str = Layer.PRIMARY,
    reason: str = "",
    force: bool = False,
) -> Override:
    """`person` covers `layer` of `rotation` over [starts_at, ends_at); refused when it breaks R3."""
    if layer not in rotation.layers:
        raise field_error("layer", f"{rotation} has no {layer} layer.")
    if starts_at and ends_at and ends_at <= starts_at:
        raise field_error("ends_at", "The override must end after it starts.")
    holders = {
        shift.person_id
        for shift, _p in selectors.rotation_shifts(rotation=rotation, start=starts_at, end=ends_at)
        if shift.layer == layer
    }
    if holders == {person.pk}:
        raise field_error("person", f"{person} already holds the {layer} layer then.")
    override = Override(
        rotation=rotation,
        layer=layer,
        person=person,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    override.full_clean()
    override.save()
    flag = _enforce_r3(
        actor=actor,
        person_ids={person.pk},
        start=starts_at,
        end=ends_at + timedelta(days=7),
        force=force,
        field="person",
    )
    span = f"{starts_at:%Y-%m-%d %H:%M} to {ends_at:%Y-%m-%d %H:%M} UTC"
    audit.record(
        actor=actor,
        verb="override.created",
        target=rotation,
        changes=created_changes(override),
        message=f"{person} covers {layer} from {span}. {flag}".rstrip(),
    )
    return override


@transaction.atomic
def override_delete(*, actor, override: Override) -> None:
    audit.record(
        actor=actor,
        verb="override.deleted",
        target=override.rotation,
        changes=created_changes(override),
        message=f"{override.person} no longer covers {override.layer} from {override.starts_at:%Y-%m-%d %H:%M} UTC.",
    )
    override.delete()


def _shift_of(rotation: Rotation, layer: str, person: Person, at: datetime, field: str) -> tuple[datetime, datetime]:
    """The rule shift of `layer` containing `at`, which `person` must hold (overrides applied)."""
    rule = selectors.rule_of(rotation)
    index = rule.index_at(at)
    start, end = rule.start_of(index), rule.start_of(index + 1)
    holders = {
        s.person_id
        for s, _p in selectors.rotation_shifts(rotation=rotation, start=start, end=end)
        if s.layer == layer and s.start <= at < s.end
    }
    if person.pk not in holders:
        raise field_error(field, f"{person} is not {layer} on call in {rotation} at {at:%Y-%m-%d %H:%M} UTC.")
    return start, end


@transaction.atomic
def swap_propose(
    *,
    actor,
    rotation: Rotation,
    requester: Person,
    requester_shift_start: datetime,
    counterpart: Person,
    counterpart_shift_start: datetime,
    layer: str = Layer.PRIMARY,
    message: str = "",
) -> SwapRequest:
    """`requester` offers their shift for `counterpart`'s; nothing changes until the counterpart accepts."""
    if layer not in rotation.layers:
        raise field_error("layer", f"{rotation} has no {layer} layer.")
    if requester.pk == counterpart.pk:
        raise field_error("counterpart", "Choose someone else to swap with.")
    mine, _ = _shift_of(rotation, layer, requester, requester_shift_start, "requester_shift_start")
    theirs, _ = _shift_of(rotation, layer, counterpart, counterpart_shift_start, "counterpart_shift_start")
    if mine == theirs:
        raise field_error("counterpart_shift_start", "Pick a different shift than the one you give away.")
    swap = SwapRequest.objects.create(
        rotation=rotation,
        layer=layer,
        requester=requester,
        requester_shift_start=mine,
        counterpart=counterpart,
        counterpart_shift_start=theirs,
        message=message,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(actor=actor, verb="swap.proposed", target=rotation, changes=created_changes(swap))
    return swap


@transaction.atomic
def swap_accept(*, actor, swap: SwapRequest, force: bool = False) -> SwapRequest:
    """The counterpart accepts: each covers the other's shift (two overrides), checked against R3."""
    swap = (
        SwapRequest.objects.select_for_update().select_related("rotation", "requester", "counterpart").get(pk=swap.pk)
    )
    if swap.status != SwapStatus.PROPOSED:
        raise field_error("status", f"This swap is already {swap.get_status_display().lower()}.")
    rotation = swap.rotation
    mine = _shift_of(rotation, swap.layer, swap.requester, swap.requester_shift_start, "requester_shift_start")
    theirs = _shift_of(rotation, swap.layer, swap.counterpart, swap.counterpart_shift_start, "counterpart_shift_start")
    reason = f"Swap #{swap.pk}"
    created = [
        Override.objects.create(
            rotation=rotation,
            layer=swap.layer,
            person=swap.counterpart,
            starts_at=mine[0],
            ends_at=mine[1],
            reason=reason,
            created_by=actor,
        ),
        Override.objects.create(
            rotation=rotation,
            layer=swap.layer,
            person=swap.requester,
            starts_at=theirs[0],
            ends_at=theirs[1],
            reason=reason,
            created_by=actor,
        ),
    ]
    start, end = min(mine[0], theirs[0]), max(mine[1], theirs[1]) + timedelta(days=7)
    flag = _enforce_r3(
        actor=actor,
        person_ids={swap.requester_id, swap.counterpart_id},
        start=start,
        end=end,
        force=force,
        field="status",
    )
    before = audit.snapshot(swap)
    swap.status, swap.decided_at = SwapStatus.ACCEPTED, timezone.now()
    swap.save(update_fields=["status", "decided_at"])
    swap.overrides.set(created)
    audit.record_change(actor=actor, verb="swap.accepted", instance=swap, before=before)
    if flag:
        audit.record(actor=actor, verb="swap.forced", target=swap, message=flag)
    return swap


@transaction.atomic
def swap_decide(*, actor, swap: SwapRequest, status: str) -> SwapRequest:
    """Decline (the counterpart) or cancel (the requester) a proposed swap."""
    if status not in (SwapStatus.DECLINED, SwapStatus.CANCELLED):
        raise field_error("status", "A swap can be declined or cancelled here; accept it with accept.")
    swap = SwapRequest.objects.select_for_update().get(pk=swap.pk)
    if swap.status != SwapStatus.PROPOSED:
        raise field_error("status", f"This swap is already {swap.get_status_display().lower()}.")
    before = audit.snapshot(swap)
    swap.status, swap.decided_at = status, timezone.now()
    swap.save(update_fields=["status", "decided_at"])
    audit.record_change(actor=actor, verb=f"swap.{status}", instance=swap, before=before)
    return swap


@transaction.atomic
def feed_reset(*, actor, rotation: Rotation | None = None, person: Person | None = None) -> str:
    """A new secret calendar URL (the old one stops working); returns the token."""
    if rotation is not None:
        rotation.ical_token = new_feed_token()
        rotation.save(update_fields=["ical_token", "updated"])
        audit.record(actor=actor, verb="rotation.feed_reset", target=rotation, message="Calendar URL replaced.")
        return rotation.ical_token
    feed, _created = CalendarFeed.objects.get_or_create(person=person)
    feed.token = new_feed_token()
    feed.save(update_fields=["token"])
    audit.record(actor=actor, verb="calendar_feed.reset", target=person, message="Calendar URL replaced.")
    return feed.token
