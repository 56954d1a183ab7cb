"""Every write of planning: <entity>_<verb>(*, actor, ...), in one transaction, checked and audited."""

import datetime
from collections.abc import Iterable
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from catalog.models import Membership
from planning import capacity, rules
from planning.choices import BetStatus, CycleState, PitchStatus
from planning.models import Absence, Bet, Cycle, HillUpdate, Pitch, PitchSketch, RoadmapItem, Scope
from planning.permissions import can_plan, can_record_absence, can_work_on_bet
from portal import audit

SKETCH_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp")
SKETCH_MAX_BYTES = 2 * 1024 * 1024
PITCH_FIELDS = ("title", "problem", "appetite", "solution", "rabbit_holes", "no_gos", "roadmap_item")


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _require_lead(actor) -> None:
    _require(can_plan(actor), "Only the Data Infrastructure Lead shapes pitches, places bets and runs cycles.")


def _unique_slug(model, text: str, exclude_pk=None) -> str:
    base = slugify(text)[:180] or "item"
    slug, n = base, 2
    while model.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _record_update(*, actor, verb: str, instance, before: dict, extra: dict | None = None) -> None:
    """Audit what changed, leaving out the `updated` timestamp that changes every time."""
    changes = audit.diff(before, audit.snapshot(instance, extra))
    changes.pop("updated", None)
    audit.record(actor=actor, verb=verb, target=instance, changes=changes)


def _clean_and_save(obj) -> None:
    obj.full_clean()  # field errors reach the form/API as {"field": [...]}
    obj.save()


#
# Cycles
#


@transaction.atomic
def cycle_create(
    *, actor, name: str, start_date: datetime.date, build_weeks: int = 6, cooldown_weeks: int = 2
) -> Cycle:
    _require_lead(actor)
    cycle = Cycle(
        name=(name or "").strip(),
        slug=_unique_slug(Cycle, name or ""),
        start_date=start_date,
        build_weeks=build_weeks,
        cooldown_weeks=cooldown_weeks,
        created_by=actor,
    )
    _clean_and_save(cycle)
    audit.record(actor=actor, verb="cycle.created", target=cycle, changes=audit.diff({}, audit.snapshot(cycle)))
    return cycle


@transaction.atomic
def cycle_update(*, actor, cycle: Cycle, **fields) -> Cycle:
    """Rename or re-date a cycle; its dates are fixed once building starts (capacity was judged on them)."""
    _require_lead(actor)
    before = audit.snapshot(cycle)
    if cycle.state not in (CycleState.SHAPING, CycleState.BETTING) and (fields.keys() - {"name"}):
        raise ValidationError({"start_date": "The dates of a cycle are fixed once it is building."})
    for name, value in fields.items():
        setattr(cycle, name, value.strip() if isinstance(value, str) else value)
    _clean_and_save(cycle)
    _record_update(actor=actor, verb="cycle.updated", instance=cycle, before=before)
    return cycle


@transaction.atomic
def cycle_transition(*, actor, cycle: Cycle, to_state: str, now: datetime.datetime | None = None) -> Cycle:
    """Move a cycle on. Leaving betting closes the table; leaving building trips the circuit breaker (R13)."""
    if actor is not None:  # None: the scheduled circuit breaker, acting as the system
        _require_lead(actor)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    other_building = Cycle.objects.filter(state=CycleState.BUILDING).exclude(pk=cycle.pk).exists()
    problems = rules.cycle_transition_problems(cycle=cycle, to_state=to_state, other_building=other_building)
    if problems:
        raise ValidationError({"state": problems})
    old_state = cycle.state
    if cycle.state == CycleState.BETTING and to_state == CycleState.BUILDING:
        _close_betting_table(actor=actor, cycle=cycle)
    if to_state == CycleState.COOL_DOWN:
        _trip_circuit_breaker(actor=actor, cycle=cycle, now=now or timezone.now())
    cycle.state = to_state
    cycle.save(update_fields=["state", "updated"])
    audit.record(actor=actor, verb=f"cycle.{to_state}", target=cycle, changes={"state": [old_state, to_state]})
    return cycle


def _close_betting_table(*, actor, cycle: Cycle) -> None:
    """Shaped pitches nobody bet on are not kept in a backlog: they are 'not bet' (and may be re-shaped later)."""
    for pitch in Pitch.objects.filter(status=PitchStatus.SHAPED).exclude(bets__cycle=cycle):
        _set_pitch_status(actor=actor, pitch=pitch, status=PitchStatus.NOT_BET, message=f"not bet in {cycle}")


def _trip_circuit_breaker(*, actor, cycle: Cycle, now: datetime.datetime) -> None:
    """R13: bets not shipped by the end of the build weeks are not shipped, and never carried over."""
    for bet in cycle.bets.filter(status=BetStatus.BUILDING).select_related("pitch"):
        bet.status, bet.finished_at = BetStatus.NOT_SHIPPED, now
        bet.save(update_fields=["status", "finished_at"])
        audit.record(
            actor=actor,
            verb="bet.not_shipped",
            target=bet,
            changes={"status": [BetStatus.BUILDING, BetStatus.NOT_SHIPPED]},
            message="circuit breaker: the build weeks are over; shipping it needs a new bet",
        )
        _set_pitch_status(actor=actor, pitch=bet.pitch, status=PitchStatus.NOT_SHIPPED, message=f"cut in {cycle}")


def cycles_trip_circuit_breakers(*, now: datetime.datetime | None = None) -> list[Cycle]:
    """The scheduled sweep: move every building cycle whose build weeks are over to cool-down."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    building = Cycle.objects.filter(state=CycleState.BUILDING)
    due = [c for c in building if rules.circuit_breaker_due(cycle=c, today=today)]
    return [cycle_transition(actor=None, cycle=c, to_state=CycleState.COOL_DOWN, now=now) for c in due]


#
# Roadmap and pitches
#


@transaction.atomic
def roadmap_item_create(*, actor, title: str, description: str = "", position: int = 0) -> RoadmapItem:
    _require_lead(actor)
    item = RoadmapItem(
        title=(title or "").strip(),
        slug=_unique_slug(RoadmapItem, title or ""),
        description=description,
        position=position,
    )
    _clean_and_save(item)
    audit.record(actor=actor, verb="roadmap_item.created", target=item)
    return item


@transaction.atomic
def roadmap_item_update(*, actor, item: RoadmapItem, **fields) -> RoadmapItem:
    _require_lead(actor)
    before = audit.snapshot(item)
    for name, value in fields.items():
        setattr(item, name, value)
    _clean_and_save(item)
    _record_update(actor=actor, verb="roadmap_item.updated", instance=item, before=before)
    return item


@transaction.atomic
def pitch_create(*, actor, title: str, entities: Iterable = (), **fields) -> Pitch:
    _require_lead(actor)
    pitch = Pitch(title=(title or "").strip(), slug=_unique_slug(Pitch, title or ""), author=actor)
    for name, value in fields.items():
        if name not in PITCH_FIELDS:
            raise ValidationError({name: "Not a field of a pitch."})
        setattr(pitch, name, value)
    _clean_and_save(pitch)
    pitch.entities.set(entities)
    audit.record(
        actor=actor,
        verb="pitch.created",
        target=pitch,
        changes=audit.diff({}, audit.snapshot(pitch, {"entities": sorted(e.slug for e in entities)})),
    )
    return pitch


@transaction.atomic
def pitch_create_from_roadmap_item(*, actor, item: RoadmapItem) -> Pitch:
    """A draft pitch for a roadmap item: the item's words are the first draft of the problem."""
    return pitch_create(actor=actor, title=item.title, problem=item.description, roadmap_item=item)


@transaction.atomic
def pitch_update(*, actor, pitch: Pitch, entities: Iterable | None = None, **fields) -> Pitch:
    _require_lead(actor)
    if pitch.status in (PitchStatus.BET, PitchStatus.SHIPPED):
        raise ValidationError({"status": f"A {pitch.get_status_display().lower()} pitch is no longer edited."})
    extra = lambda p: {"entities": sorted(p.entities.values_list("slug", flat=True))}  # noqa: E731
    before = audit.snapshot(pitch, extra(pitch))
    for name, value in fields.items():
        if name not in PITCH_FIELDS:
            raise ValidationError({name: "Not a field of a pitch."})
        setattr(pitch, name, value.strip() if name == "title" else value)
    _clean_and_save(pitch)
    if entities is not None:
        pitch.entities.set(entities)
    _record_update(actor=actor, verb="pitch.updated", instance=pitch, before=before, extra=extra(pitch))
    return pitch


def _set_pitch_status(*, actor, pitch: Pitch, status: str, message: str = "") -> None:
    old = pitch.status
    pitch.status = status
    pitch.save(update_fields=["status", "updated"])
    audit.record(actor=actor, verb=f"pitch.{status}", target=pitch, changes={"status": [old, status]}, message=message)


@transaction.atomic
def pitch_transition(*, actor, pitch: Pitch, to_status: str) -> Pitch:
    """The lead's own moves: shape a draft, send it back, or re-shape a pitch that was not bet or not shipped."""
    _require_lead(actor)
    problems = rules.pitch_transition_problems(pitch=pitch, to_status=to_status)
    if problems:
        raise ValidationError({"status": problems})
    _set_pitch_status(actor=actor, pitch=pitch, status=to_status)
    return pitch


@transaction.atomic
def sketch_add(*, actor, pitch: Pitch, upload) -> PitchSketch:
    _require_lead(actor)
    name = Path(upload.name or "").name
    if Path(name).suffix.lower() not in SKETCH_EXTENSIONS:
        raise ValidationError({"file": f"Upload an image: {', '.join(SKETCH_EXTENSIONS)}."})
    if upload.size > SKETCH_MAX_BYTES:
        raise ValidationError({"file": f"A sketch is at most {SKETCH_MAX_BYTES // (1024 * 1024)} MB."})
    sketch = PitchSketch(pitch=pitch, name=name[:200], uploaded_by=actor)
    sketch.file.save(name, upload, save=False)
    sketch.save()
    audit.record(actor=actor, verb="pitch.sketch_added", target=pitch, message=name)
    return sketch


#
# Bets
#


def _team_people(team) -> set[int]:
    return set(Membership.objects.filter(team=team).values_list("person_id", flat=True))


def bet_check(*, cycle: Cycle, pitch: Pitch, team, people: list) -> tuple[dict, capacity.TeamCapacity]:
    """What is wrong with a bet, by field, and the team's capacity as it would be with it: shown before placing."""
    problems = rules.bet_problems(cycle=cycle, pitch=pitch)
    if not people:
        problems["people"] = "Assign the bet to at least one person."
    else:
        outsiders = [p for p in people if p.pk not in _team_people(team)]
        if outsiders:
            names = ", ".join(str(p) for p in outsiders)
            problems["people"] = f"{names} {'is' if len(outsiders) == 1 else 'are'} not in {team}."
    current = capacity.teams_capacity(cycle=cycle, teams=[team])[0]
    after = current.with_bet(
        capacity.bet_weeks(appetite=pitch.appetite, people=len(people), build_weeks=cycle.build_weeks)
    )
    return problems, after


def over_commitment_message(after: capacity.TeamCapacity) -> str:
    return (
        f"This bet over-commits {after.team}: {after.committed_weeks} person-weeks asked of "
        f"{after.capacity_weeks} available."
    )


@transaction.atomic
def bet_place(*, actor, cycle: Cycle, pitch: Pitch, team, people: list, reason: str = "") -> Bet:
    """Bet `pitch` on `cycle` for `team`. Over-committing the team needs the lead's reason."""
    _require_lead(actor)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)  # one bet at a time per table: capacity is shared
    pitch = Pitch.objects.select_for_update().get(pk=pitch.pk)
    problems, after = bet_check(cycle=cycle, pitch=pitch, team=team, people=people)
    reason = (reason or "").strip()
    if not problems and after.over_committed and not reason:
        problems["reason"] = over_commitment_message(after) + " Give a reason to place it anyway."
    if problems:
        raise ValidationError(problems)
    bet = Bet(cycle=cycle, pitch=pitch, team=team, reason=reason, placed_by=actor, placed_at=timezone.now())
    _clean_and_save(bet)
    bet.people.set(people)
    audit.record(
        actor=actor,
        verb="bet.placed",
        target=bet,
        changes={"team": [None, team.slug], "people": [[], sorted(p.slug for p in people)]},
        message=(over_commitment_message(after) + f" Reason: {reason}") if after.over_committed else "",
    )
    _set_pitch_status(actor=actor, pitch=pitch, status=PitchStatus.BET, message=f"bet in {cycle}")
    return bet


@transaction.atomic
def bet_withdraw(*, actor, bet: Bet) -> None:
    """Take a bet off the table while betting is still open; the pitch is shaped again."""
    _require_lead(actor)
    if bet.cycle.state != CycleState.BETTING:
        raise ValidationError({"cycle": "Bets are withdrawn only while the table is open (betting)."})
    audit.record(actor=actor, verb="bet.withdrawn", target=bet.cycle, message=str(bet.pitch))
    pitch = bet.pitch
    bet.delete()
    _set_pitch_status(actor=actor, pitch=pitch, status=PitchStatus.SHAPED, message="bet withdrawn")


@transaction.atomic
def bet_ship(*, actor, bet: Bet, now: datetime.datetime | None = None) -> Bet:
    _require(can_work_on_bet(actor, bet), f"Only {bet.team} and the lead mark this bet shipped.")
    now = now or timezone.now()
    bet = Bet.objects.select_for_update().select_related("cycle", "pitch", "team").get(pk=bet.pk)
    problem = rules.can_ship(bet=bet, today=timezone.localdate(now))
    if problem:
        raise ValidationError({"status": problem})
    bet.status, bet.finished_at = BetStatus.SHIPPED, now
    bet.save(update_fields=["status", "finished_at"])
    audit.record(actor=actor, verb="bet.shipped", target=bet, changes={"status": [BetStatus.BUILDING, "shipped"]})
    _set_pitch_status(actor=actor, pitch=bet.pitch, status=PitchStatus.SHIPPED, message=f"shipped in {bet.cycle}")
    return bet


#
# Scopes and the hill
#


@transaction.atomic
def scope_create(*, actor, bet: Bet, title: str) -> Scope:
    _require(can_work_on_bet(actor, bet), f"Only {bet.team} and the lead add scopes to this bet.")
    problem = rules.scope_move_problem(bet=bet)
    if problem:
        raise ValidationError({"bet": problem})
    now = timezone.now()
    scope = Scope(bet=bet, title=(title or "").strip(), position=0, moved_at=now, created=now)
    _clean_and_save(scope)
    HillUpdate.objects.create(scope=scope, position=0, note="Scope mapped", author=actor, recorded_at=now)
    audit.record(actor=actor, verb="scope.created", target=scope, message=f"on {bet}")
    return scope


@transaction.atomic
def scope_move(*, actor, scope: Scope, position, note: str) -> HillUpdate:
    """Put a scope somewhere else on the hill; the move is kept, so the hill can be redrawn at any past date."""
    bet = scope.bet
    _require(can_work_on_bet(actor, bet), f"Only {bet.team} and the lead move the scopes of this bet.")
    errors = {}
    problem = rules.scope_move_problem(bet=bet)
    if problem:
        errors["scope"] = problem
    try:
        position = int(position)
    except (TypeError, ValueError):
        errors["position"] = "Give the position as a whole number from 0 to 100."
    else:
        if not 0 <= position <= 100:
            errors["position"] = "The position is from 0 (start of uphill) to 100 (done)."
    note = (note or "").strip()
    if not note:
        errors["note"] = "Say what changed: the lead reads these notes at the check-in."
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    old = scope.position
    update = HillUpdate.objects.create(scope=scope, position=position, note=note, author=actor, recorded_at=now)
    Scope.objects.filter(pk=scope.pk).update(position=position, moved_at=now)
    scope.position, scope.moved_at = position, now
    audit.record(actor=actor, verb="scope.moved", target=scope, changes={"position": [old, position]}, message=note)
    return update


#
# Absences
#


@transaction.atomic
def absence_create(*, actor, person, start_date: datetime.date, end_date: datetime.date, reason: str = "") -> Absence:
    _require(can_record_absence(actor, person), "Only the lead records other people's absences.")
    absence = Absence(person=person, start_date=start_date, end_date=end_date, reason=(reason or "").strip())
    if start_date and end_date and end_date < start_date:
        raise ValidationError({"end_date": "The last day away cannot be before the first."})
    _clean_and_save(absence)
    audit.record(actor=actor, verb="absence.created", target=absence, changes=audit.diff({}, audit.snapshot(absence)))
    return absence


@transaction.atomic
def absence_delete(*, actor, absence: Absence) -> None:
    _require(can_record_absence(actor, absence.person), "Only the lead removes other people's absences.")
    audit.record(actor=actor, verb="absence.deleted", target=absence.person, message=str(absence))
    absence.delete()
