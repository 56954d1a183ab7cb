"""Reads of on-call: rotations and their shifts, who is on call, whom to page, R3 checks."""

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse

from catalog import cache as catalog_cache
from catalog.choices import MembershipRole, RaciRole
from catalog.models import Entity, Membership, Ownership, Person, Team
from oncall import rules
from oncall.choices import ActionItemStatus, IncidentStatus, Layer, StepKind
from oncall.models import (
    ActionItem,
    EscalationPolicy,
    EscalationStep,
    Incident,
    Override,
    Rotation,
    RotationParticipant,
)
from oncall.shifts import OverrideSpan, Rule, Shift, layer_shifts, on_call_at
from portal import prepared

R3_HORIZON = timedelta(weeks=26)  # how far ahead a change is checked against R3
# The generation of the API's cached answers of "who is on call now" (catalog/cache.py; what moves it: oncall/apps.py).
NOW_GENERATION = "oncall:now:generation"
# The generation of the rotations, their participants and teams that answer is read from (kept per process).
ROSTER_GENERATION = "oncall:roster:generation"
# The generation of the people it names (kept per process apart: a change to a rotation leaves them as they are).
PEOPLE_GENERATION = "oncall:people:generation"


@dataclass(slots=True, frozen=True)  # frozen: one is shared by every answer while its rotation is unchanged
class TeamRef:
    """The few fields of a team that "who is on call" shows (plain values: no model instances to build)."""

    pk: int
    slug: str
    name: str

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:team-detail", args=[self.slug])


@dataclass(slots=True, frozen=True)
class RotationRef:
    pk: int
    slug: str
    name: str
    time_zone: str
    has_secondary: bool
    team: TeamRef

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("oncall:rotation-detail", args=[self.slug])


@dataclass(slots=True, frozen=True)  # frozen: a kept roster's are shared by every answer
class PersonRef:
    pk: int
    slug: str
    full_name: str
    email: str
    chat_handle: str

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("catalog:person-detail", args=[self.slug])


# The same rows are given to every answer while true (`_found_last`): nothing may change one once made. Not frozen,
# which would take five times as long to make (oncall/shifts.py, `Shift`).
@dataclass(slots=True)
class OnCall:
    """One layer of one rotation at one time: who holds it and for how long."""

    rotation: RotationRef
    layer: str
    person: PersonRef | None
    shift: Shift | None

    @property
    def is_override(self) -> bool:
        return self.shift is not None and self.shift.override_id is not None


_NOW_FIELDS = (
    "id",
    "slug",
    "name",
    "time_zone",
    "start_date",
    "handoff_weekday",
    "handoff_time",
    "shift_length_days",
    "has_secondary",
    "team_id",
    "team__slug",
    "team__name",
)


def oncall_now(*, at: datetime, team: Team | None = None, fresh: bool = False) -> list[OnCall]:
    """Who holds each layer of each rotation (of `team`, or all) at `at`.

    One to four queries of plain values whatever the number of rotations: this answers the dashboard, the
    team and stakeholder pages and the API, so it builds no model instances (bench: 200 rotations). The rotations
    with their participants are read only when no process-wide copy of them is current (`_rosters`); the overrides
    covering the instant always, and the people covering who take no part in their rotation. The first three are
    prepared statements on PostgreSQL (portal/prepared.py): building them with the ORM and planning them took as
    long as running them. `fresh` reads the rotations whatever is kept: whom to page depends on nothing but the
    database.
    """
    return _holders_at(at, _team_ids(team), fresh)[0]


def oncall_now_until(*, at: datetime, team: Team | None = None) -> tuple[list[OnCall], datetime | None]:
    """`oncall_now`'s answer and the instant it stops holding unless rotations or overrides change: the first
    hand-off, the end of an override in force, or the start of the next override (None: no rotation has a turn
    to end and no override is coming). From `at` up to then, asking again gives the same answer."""
    team_ids = _team_ids(team)
    rows, first_end = _holders_at(at, team_ids)
    next_start = next(iter(prepared.values_list(_next_override_start, [at, *team_ids], ordered=True)), (None,))[0]
    ends = [instant for instant in (first_end, next_start) if instant is not None]
    return rows, min(ends, default=None)


def _team_ids(team: Team | None) -> list[int]:
    """The ids the prepared reads below filter on: the team's, or none for every team."""
    return [team.pk] if team is not None else []


@dataclass(slots=True, frozen=True)
class _Roster:
    """The rotations (of a team, or all) as "who is on call" reads them, in order, each rule with its participants:
    all of its answer but the overrides, which change far more often, the hand-offs, which only the clock moves, and
    the people's names, kept apart."""

    rotations: tuple[tuple[Rule, RotationRef], ...]
    person_ids: frozenset[int]  # every participant's


# Kept per process while no rotation, participant or team changes (catalog/cache.py): a hand-off or an override
# change then costs the overrides' reads alone, not the 200 rotations' and 800 participants' rows.
_rosters = catalog_cache.KeptInProcess(ROSTER_GENERATION)
# The people named, kept per process while no person changes: one mapping of id to PersonRef, filled as people are
# needed (the participants of the rotations asked about, and whoever covers by an override). A change to a rotation
# then reads its rows again, not its people's.
_people = catalog_cache.KeptInProcess(PEOPLE_GENERATION, size=1)


def _holders_at(at: datetime, team_ids: list[int], fresh: bool = False) -> tuple[list[OnCall], datetime | None]:
    """Who holds each layer at `at` (of the team in `team_ids`, or all), and the first end of a shift or of an
    override in force among them; the rotations read from the database if `fresh`, else possibly kept."""
    if fresh:
        people: dict[int, PersonRef] = {}
        roster = _read_roster(team_ids, people)
    else:
        people = _people.get("people", dict)  # shared by the process's threads: only ever added to
        roster = _rosters.get(tuple(team_ids), lambda: _read_roster(team_ids, people))
    if not people.keys() >= roster.person_ids:  # the participants' names, read once until one of them changes
        for _rotation_id, pk, *values in prepared.values_list(_participants_with_people, team_ids):
            people[pk] = PersonRef(pk, *values)
    spans: dict[int, list[OverrideSpan]] = defaultdict(list)
    for pk, rotation_id, layer, person_id, start, end in prepared.values_list(
        _override_rows_covering, [at, at, *team_ids], ordered=True
    ):
        spans[rotation_id].append(OverrideSpan(pk, layer, person_id, start, end))
    covering = {span.person_id for found in spans.values() for span in found if span.person_id not in people}
    if covering:  # people covering a rotation they do not take part in
        for pk, *values in Person.objects.filter(pk__in=covering).values_list(*_PERSON_FIELDS):
            people[pk] = PersonRef(pk, *values)
    result: list[OnCall] = []
    ends = [span.end for found in spans.values() for span in found]
    for rule, ref in roster.rotations:
        bounds = rule.bounds_at(at)
        ends.append(bounds[2])  # also before a rotation's first turn, and with nobody to hold it
        result += _rotation_rows_at(rule, ref, bounds, spans.get(ref.pk, []), people, at)
    return result, min(ends, default=None)


# Each rotation's rows as found last, with what they were found from. The same rule (the same rotation row and
# participants: `_rotation_plan` gives the same object), shift and overrides, and the same people, give the same
# rows: at a hand-off all rotations but those handing off, and after a change to one rotation all but that one. The
# API writes a row's JSON once (oncall/api/views.py). By rotation, so bounded by their number.
_found_last: dict[int, tuple[Rule, tuple, list[OverrideSpan], list[OnCall]]] = {}


def _rotation_rows_at(
    rule: Rule, ref: RotationRef, bounds: tuple, overrides: list[OverrideSpan], people: dict[int, PersonRef], at
) -> list[OnCall]:
    """The rows of a rotation's layers at `at` (in `bounds`, its shift then), the ones found last if still true."""
    last = _found_last.get(ref.pk)
    if (
        last is not None
        and last[0] is rule
        and last[1] == bounds
        and last[2] == overrides
        and all(row.person == (people.get(row.shift.person_id) if row.shift else None) for row in last[3])
    ):
        return last[3]
    rows = []
    for layer in rule.layers():
        shift = on_call_at(rule, layer, overrides, at, bounds)
        rows.append(OnCall(ref, layer, people.get(shift.person_id) if shift else None, shift))
    _found_last[ref.pk] = (rule, bounds, overrides, rows)  # one assignment: threads may replace each other's
    return rows


def _read_roster(team_ids: list[int], people: dict[int, PersonRef]) -> _Roster:
    """The rotations (of the team in `team_ids`) with their participants, and, into `people` if it is empty (a new
    mapping: read afresh, or after a person's change), the participants' names in the same statement."""
    order: dict[int, list[int]] = defaultdict(list)
    if people:
        for rotation_id, person_id in prepared.values_list(_participant_rows, team_ids, ordered=True):
            order[rotation_id].append(person_id)
    else:
        for rotation_id, *person in prepared.values_list(_participants_with_people, team_ids, ordered=True):
            order[rotation_id].append(person[0])
            people[person[0]] = PersonRef(*person)
    rotations = tuple(
        _rotation_plan(row, tuple(order[row[0]]))
        for row in prepared.values_list(_rotation_rows, team_ids, ordered=True)
    )
    return _Roster(rotations, frozenset(person_id for found in order.values() for person_id in found))


_PERSON_FIELDS = ("id", "slug", "full_name", "email", "chat_handle")  # what "who is on call" shows of a person


def _participant_rows(team_ids: list[int]) -> QuerySet:
    """Every participant of the rotations (of the team in `team_ids`), in their rotation's order."""
    return _participants(team_ids).values_list("rotation_id", "person_id")


def _participants_with_people(team_ids: list[int]) -> QuerySet:
    """`_participant_rows` with the person's fields that "who is on call" shows (a person in two rotations twice:
    fewer rows than the distinct set would cost to find)."""
    return _participants(team_ids).values_list("rotation_id", *(f"person__{name}" for name in _PERSON_FIELDS))


def _participants(team_ids: list[int]) -> QuerySet:
    found = RotationParticipant.objects.order_by("rotation_id", "position")
    return found.filter(rotation__team_id__in=team_ids) if team_ids else found


def _override_rows_covering(values: list) -> QuerySet:
    """The overrides covering an instant (`values`: that instant twice, for its two bounds, then the team's id
    if only a team's are wanted)."""
    starts_by, ends_after, *team_ids = values
    found = Override.objects.filter(starts_at__lte=starts_by, ends_at__gt=ends_after)
    if team_ids:
        found = found.filter(rotation__team_id__in=team_ids)
    # In a steady order, so a rotation's overrides compare equal to those its rows were found from (`_found_last`).
    return found.order_by("id").values_list("id", "rotation_id", "layer", "person_id", "starts_at", "ends_at")


def _next_override_start(values: list) -> QuerySet:
    """The start of the first override after an instant (`values`: the instant, then the team's id if only a
    team's are wanted)."""
    after, *team_ids = values
    found = Override.objects.filter(starts_at__gt=after)
    if team_ids:
        found = found.filter(rotation__team_id__in=team_ids)
    return found.order_by("starts_at").values_list("starts_at")[:1]


def _rotation_rows(team_ids: list[int]) -> QuerySet:
    found = Rotation.objects.order_by("team__name", "name")
    if team_ids:
        found = found.filter(team_id__in=team_ids)
    return found.values_list(*_NOW_FIELDS)


@functools.lru_cache(maxsize=4096)
def _rotation_plan(row: tuple, participant_ids: tuple[int, ...]) -> tuple[Rule, RotationRef]:
    """The rule and the reference of a rotation read as `_NOW_FIELDS`, kept per process while the row and its
    participants are unchanged (any change makes a new key): building them anew for every rotation on every call
    was a third of the answer's Python, and a kept rule also keeps its current shift (`Rule.bounds_at`)."""
    rotation = SimpleNamespace(**dict(zip(_NOW_FIELDS, row, strict=True)))  # the names a Rotation has
    rotation.pk = rotation.id
    team = TeamRef(rotation.team_id, rotation.team__slug, rotation.team__name)
    ref = RotationRef(rotation.pk, rotation.slug, rotation.name, rotation.time_zone, rotation.has_secondary, team)
    return Rule.for_rotation(rotation, participant_ids), ref


def rotation_list(*, team: Team | None = None) -> QuerySet[Rotation]:
    """Every rotation (on-call is readable by everyone signed in), participants in order."""
    qs = Rotation.objects.select_related("team").prefetch_related(
        Prefetch("participants", queryset=RotationParticipant.objects.select_related("person").order_by("position"))
    )
    return qs.filter(team=team) if team is not None else qs


def rule_of(rotation: Rotation) -> Rule:
    """The rotation's rule, from its prefetched participants when there are any."""
    return Rule.for_rotation(rotation, [p.person_id for p in rotation.participants.all()])


def _spans(overrides: Iterable[Override]) -> dict[int, list[OverrideSpan]]:
    spans: dict[int, list[OverrideSpan]] = defaultdict(list)
    for o in overrides:
        spans[o.rotation_id].append(OverrideSpan(o.pk, o.layer, o.person_id, o.starts_at, o.ends_at))
    return spans


def overrides_between(rotation_ids: Iterable[int], start: datetime, end: datetime) -> list[Override]:
    return list(
        Override.objects.filter(rotation_id__in=list(rotation_ids), ends_at__gt=start, starts_at__lt=end)
        .select_related("person")
        .order_by("starts_at", "id")
    )


def _people_of(rotations: Iterable[Rotation], overrides: Iterable[Override]) -> dict[int, Person]:
    people = {p.person_id: p.person for r in rotations for p in r.participants.all()}
    people.update({o.person_id: o.person for o in overrides})
    return people


def team_primaries_now(*, team: Team, at: datetime, fresh: bool = False) -> list[OnCall]:
    return [row for row in oncall_now(at=at, team=team, fresh=fresh) if row.layer == Layer.PRIMARY]


def rotation_shifts(*, rotation: Rotation, start: datetime, end: datetime) -> list[tuple[Shift, Person]]:
    """The shifts of every layer of `rotation` in [start, end), overrides applied, with their people."""
    overrides = overrides_between([rotation.pk], start, end)
    spans, people = _spans(overrides), _people_of([rotation], overrides)
    rule = rule_of(rotation)
    shifts = [s for layer in rule.layers() for s in layer_shifts(rule, layer, spans.get(rotation.pk, ()), start, end)]
    shifts.sort(key=lambda s: (s.start, s.layer != Layer.PRIMARY))
    return [(s, people[s.person_id]) for s in shifts]


def person_shifts(*, person: Person, start: datetime, end: datetime) -> list[tuple[Rotation, Shift]]:
    """Every turn of `person` on any rotation in [start, end)."""
    covers = Q(overrides__person=person, overrides__ends_at__gt=start, overrides__starts_at__lt=end)
    rotations = list(rotation_list().filter(Q(participants__person=person) | covers).distinct())
    overrides = overrides_between([r.pk for r in rotations], start, end)
    spans = _spans(overrides)
    result = []
    for rotation in rotations:
        rule = rule_of(rotation)
        for layer in rule.layers():
            for shift in layer_shifts(rule, layer, spans.get(rotation.pk, ()), start, end):
                if shift.person_id == person.pk:
                    result.append((rotation, shift))
    return sorted(result, key=lambda item: item[1].start)


def shifts_for_people(people: Iterable[Person], start: date, end: date) -> dict[int, list[Shift]]:
    """{person id: shifts overlapping the days [start, end)} for many people in a fixed number of queries:
    the hook planning's capacity reads."""
    from django.utils import timezone

    ids = {p.pk for p in people}
    begin = timezone.make_aware(datetime.combine(start, datetime.min.time()))
    finish = timezone.make_aware(datetime.combine(end, datetime.min.time()))
    covers = Q(overrides__person_id__in=ids, overrides__ends_at__gt=begin, overrides__starts_at__lt=finish)
    rotations = list(rotation_list().filter(Q(participants__person_id__in=ids) | covers).distinct())
    spans = _spans(overrides_between([r.pk for r in rotations], begin, finish))
    found: dict[int, list[Shift]] = defaultdict(list)
    for rotation in rotations:
        rule = rule_of(rotation)
        for layer in rule.layers():
            for shift in layer_shifts(rule, layer, spans.get(rotation.pk, ()), begin, finish):
                if shift.person_id in ids:
                    found[shift.person_id].append(shift)
    return {pk: sorted(shifts, key=lambda s: s.start) for pk, shifts in found.items()}


def shifts_for_person(person: Person, start: date, end: date) -> list[Shift]:
    return shifts_for_people([person], start, end).get(person.pk, [])


def r3_violations_for(*, person_ids: set[int], start: datetime, end: datetime) -> list[rules.R3Violation]:
    """R3 for `person_ids` over [start, end), across every rotation they take part in or cover."""
    if not person_ids:
        return []
    rotations = list(
        rotation_list()
        .filter(Q(participants__person_id__in=person_ids) | Q(overrides__person_id__in=person_ids))
        .distinct()
    )
    # A turn that starts a few days before the window still counts in the window's first week.
    start = start - timedelta(days=7)
    overrides = overrides_between([r.pk for r in rotations], start, end)
    spans, people = _spans(overrides), _people_of(rotations, overrides)
    shifts = []
    for rotation in rotations:
        rule = rule_of(rotation)
        for layer in rule.layers():
            shifts += layer_shifts(rule, layer, spans.get(rotation.pk, ()), start, end)
    return rules.r3_violations(
        shifts,
        person_names={pk: p.full_name for pk, p in people.items()},
        time_zones={r.pk: ZoneInfo(r.time_zone) for r in rotations},
        only_people=person_ids,
    )


def rotation_r3_flags(*, rotation: Rotation, start: datetime, end: datetime) -> list[rules.R3Violation]:
    """R3 problems of this rotation's people over [start, end) (shown on its page when the lead forced it)."""
    people = {p.person_id for p in rotation.participants.all()}
    people |= set(Override.objects.filter(rotation=rotation, ends_at__gt=start).values_list("person_id", flat=True))
    return r3_violations_for(person_ids=people, start=start, end=end)


#
# Ownership and escalation
#


def owning_team(entity: Entity) -> Team | None:
    """The team Accountable for `entity`, else a Responsible team."""
    rows = Ownership.objects.filter(
        entity=entity, team__isnull=False, role__in=[RaciRole.ACCOUNTABLE, RaciRole.RESPONSIBLE]
    )
    row = rows.select_related("team").order_by("role").first()  # "A" sorts before "R"
    return row.team if row else None


def policy_for_team(team: Team) -> EscalationPolicy | None:
    """The team's own escalation policy, else the nearest ancestor's (the lead's)."""
    seen = set()
    current: Team | None = team
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        policy = (
            EscalationPolicy.objects.filter(team=current)
            .prefetch_related(Prefetch("steps", queryset=EscalationStep.objects.select_related("person")))
            .first()
        )
        if policy is not None:
            return policy
        current = current.parent
    return None


def nearest_member(team: Team, role: str) -> Person | None:
    """The first person with `role` in `team` or, failing that, in its nearest ancestor."""
    seen = set()
    current: Team | None = team
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        membership = Membership.objects.filter(team=current, role=role).select_related("person").first()
        if membership is not None:
            return membership.person
        current = current.parent
    return None


@dataclass(frozen=True)
class PageTarget:
    team: Team
    policy: EscalationPolicy | None
    step: EscalationStep | None
    position: int
    person: Person | None
    pages_from: datetime | None
    escalates_at: datetime | None
    reason: str


def page_target(
    *, team: Team, at: datetime, step: int | None = None, unacknowledged_since: datetime | None = None
) -> PageTarget:
    """R4: whom to page for `team` at `at`, for a given step or for the step reached since the page started."""
    policy = policy_for_team(team)
    steps = list(policy.steps.all()) if policy else []
    if not steps:
        primaries = [row for row in team_primaries_now(team=team, at=at, fresh=True) if row.person]
        person = primaries[0].person if primaries else None
        return PageTarget(team, policy, None, 0, person, None, None, "No escalation policy: the primary on call.")
    timeouts = [s.timeout_minutes for s in steps]
    started = unacknowledged_since or at
    position = step if step is not None else rules.escalation_step_at(timeouts, at - started)
    position = min(max(position, 0), len(steps) - 1)
    chosen = steps[position]
    begins, ends = rules.escalation_step_window(timeouts, position)
    if unacknowledged_since is None and step is not None:
        started = at - begins  # asked about one step with no start: it is being paged from `at`
    person, reason = _step_person(team, chosen, at)
    return PageTarget(
        team, policy, chosen, position, person, started + begins, started + ends if ends else None, reason
    )


def _step_person(team: Team, step: EscalationStep, at: datetime) -> tuple[Person | None, str]:
    if step.kind in (StepKind.PRIMARY, StepKind.SECONDARY):
        layer = Layer.PRIMARY if step.kind == StepKind.PRIMARY else Layer.SECONDARY
        rows = [r for r in oncall_now(at=at, team=team, fresh=True) if r.layer == layer and r.person]
        if rows:
            return rows[0].person, f"{Layer(layer).label} on call for {rows[0].rotation}."
        return None, f"Nobody holds the {layer} layer of {team} at that time."
    if step.person_id:
        return step.person, f"Named {step.get_kind_display().lower()} of the policy."
    if step.kind == StepKind.DOMAIN_EXPERT:
        person = nearest_member(team, MembershipRole.SUBTEAM_LEAD)
        if person is not None:
            return person, "The team's subteam lead, its technical point of contact."
        person = nearest_member(team, MembershipRole.LEAD)
        return person, "No domain expert named and no subteam lead: the nearest lead stands in."
    person = nearest_member(team, MembershipRole.LEAD)
    return person, "The nearest lead up the team tree." if person else "No lead found up the team tree."


#
# Incidents
#


def incident_list() -> QuerySet[Incident]:
    """Incidents with what their list rows show, in a constant number of queries."""
    return Incident.objects.select_related("team", "commander", "postmortem").prefetch_related(
        Prefetch("affected", queryset=Entity.objects.only("id", "name", "slug", "kind", "tier"))
    )


def open_incidents_affecting(entity: Entity) -> QuerySet[Incident]:
    return incident_list().open().filter(affected=entity).order_by("severity", "-started_at")


def overdue_postmortems(*, now: datetime) -> QuerySet[Incident]:
    """R5: SEV1 incidents resolved more than 48 hours ago without a published postmortem."""
    return (
        incident_list()
        .filter(
            severity__in=rules.POSTMORTEM_REQUIRED_FOR,
            status=IncidentStatus.RESOLVED,
            resolved_at__lt=now - rules.POSTMORTEM_DUE_AFTER,
        )
        .exclude(postmortem__published_at__isnull=False)
        .order_by("resolved_at")
    )


def overdue_action_items(*, today: date) -> QuerySet[ActionItem]:
    """R12: action items past their deadline and not done."""
    return (
        ActionItem.objects.filter(deadline__lt=today)
        .exclude(status=ActionItemStatus.DONE)
        .select_related("owner", "postmortem__incident")
        .order_by("deadline", "id")
    )
