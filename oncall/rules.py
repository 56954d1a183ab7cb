"""On-call and incident rules (R3, R4, R5, R6, R12) as pure functions that return what is wrong or due.

Services enforce them (refusing the change with a message naming the person and the week); pages and the API
use the same functions to flag, so each rule lives here once.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from oncall.choices import MTTR_TARGETS, IncidentStatus, Severity
from oncall.shifts import Shift

# R5: every SEV1 incident has a postmortem published within 48 hours of resolution.
POSTMORTEM_DUE_AFTER = timedelta(hours=48)
POSTMORTEM_REQUIRED_FOR = (Severity.SEV1,)
# The blueprint: "< 15 % repeats within 90 days".
REPEAT_WINDOW = timedelta(days=90)
REPEAT_RATE_TARGET = 0.15


@dataclass(frozen=True)
class R3Violation:
    """Someone on call more than once in one week (two layers at once included)."""

    person_id: int
    person_name: str
    week: date  # the Monday of the week, in the time zone of the rotation of the first turn
    turns: tuple[Shift, ...]
    at_once: bool

    @property
    def message(self) -> str:
        how = "in two layers at once" if self.at_once else f"{len(self.turns)} times"
        return f"R3: {self.person_name} would be on call {how} in the week of {self.week:%a %d %b %Y}."


def r3_violations(
    shifts: Iterable[Shift],
    *,
    person_names: Mapping[int, str],
    time_zones: Mapping[int, ZoneInfo],
    only_people: set[int] | None = None,
) -> list[R3Violation]:
    """R3 over `shifts` (all rotations that matter, overrides applied): more than one turn per person per week.

    A turn is one rule shift or one override, however an override cuts it; its week is the ISO week of its
    local start in its rotation's time zone. Two turns that overlap (two layers at once) always break R3.
    """
    turns: dict[tuple[int, tuple], list[Shift]] = defaultdict(list)
    for shift in shifts:
        if only_people is None or shift.person_id in only_people:
            turns[(shift.person_id, shift.key)].append(shift)

    def week_of(shift: Shift) -> date:
        local_day = shift.start.astimezone(time_zones[shift.rotation_id]).date()
        return local_day - timedelta(days=local_day.weekday())

    by_week: dict[tuple[int, date], dict[tuple, Shift]] = defaultdict(dict)
    pieces_by_person: dict[int, list[Shift]] = defaultdict(list)
    for (person_id, key), pieces in turns.items():
        first = min(pieces, key=lambda s: s.start)
        by_week[(person_id, week_of(first))][key] = first
        pieces_by_person[person_id] += pieces
    at_once: set[tuple[int, date]] = set()
    for person_id, pieces in pieces_by_person.items():
        pieces.sort(key=lambda s: s.start)
        for i, earlier in enumerate(pieces):
            for later in pieces[i + 1 :]:
                if later.start >= earlier.end:
                    break
                if later.key != earlier.key:
                    week = week_of(later)
                    at_once.add((person_id, week))
                    by_week[(person_id, week)].setdefault(earlier.key, earlier)
                    by_week[(person_id, week)].setdefault(later.key, later)
    violations = []
    for (person_id, week), firsts in sorted(by_week.items(), key=lambda item: (item[0][1], item[0][0])):
        if len(firsts) < 2:
            continue
        ordered = tuple(sorted(firsts.values(), key=lambda s: s.start))
        name = person_names.get(person_id, f"person {person_id}")
        violations.append(R3Violation(person_id, name, week, ordered, (person_id, week) in at_once))
    return violations


#
# R4: escalation timing
#


def escalation_step_at(timeouts_minutes: Sequence[int], elapsed: timedelta) -> int:
    """Which step (0-based) is paged `elapsed` after the page started unacknowledged; the last step stays."""
    if not timeouts_minutes:
        raise ValueError("An escalation policy needs at least one step.")
    boundary = timedelta(0)
    for position, minutes in enumerate(timeouts_minutes):
        boundary += timedelta(minutes=minutes)
        if elapsed < boundary:
            return position
    return len(timeouts_minutes) - 1


def escalation_step_window(timeouts_minutes: Sequence[int], step: int) -> tuple[timedelta, timedelta | None]:
    """When step `step` is paged, relative to the start: (from, until); the last step has no end."""
    begins = timedelta(minutes=sum(timeouts_minutes[:step]))
    if step == len(timeouts_minutes) - 1:
        return begins, None
    return begins, begins + timedelta(minutes=timeouts_minutes[step])


#
# R5, R6, R12
#


def postmortem_due_at(incident) -> datetime | None:
    """R5: when a SEV1's postmortem is due (48 h after resolution); None when none is required yet."""
    if incident.severity not in POSTMORTEM_REQUIRED_FOR or incident.resolved_at is None:
        return None
    if incident.status != IncidentStatus.RESOLVED:
        return None
    return incident.resolved_at + POSTMORTEM_DUE_AFTER


def postmortem_is_overdue(incident, *, postmortem, now: datetime) -> bool:
    due = postmortem_due_at(incident)
    published = postmortem is not None and postmortem.published_at is not None
    return due is not None and not published and now > due


def mttr_target(severity: str) -> timedelta | None:
    return MTTR_TARGETS.get(severity)


def action_item_problems(*, owner, deadline) -> dict[str, list[str]]:
    """R12: every action item has an owner and a deadline."""
    errors = {}
    if owner is None:
        errors["owner"] = ["R12: an action item needs an owner."]
    if deadline is None:
        errors["deadline"] = ["R12: an action item needs a deadline."]
    return errors


def action_item_is_overdue(item, *, today: date) -> bool:
    return item.status != "done" and item.deadline < today


def incident_time_problems(
    *,
    started_at: datetime | None,
    detected_at: datetime | None,
    acknowledged_at: datetime | None = None,
    mitigated_at: datetime | None = None,
    resolved_at: datetime | None = None,
) -> dict[str, list[str]]:
    """The times of an incident follow each other: started <= detected <= acknowledged <= mitigated <= resolved."""
    errors: dict[str, list[str]] = {}
    if started_at is None:
        errors["started_at"] = ["When did it start? This field is required."]
    if detected_at is None:
        errors["detected_at"] = ["When was it detected? This field is required."]
    order = [
        ("started_at", started_at),
        ("detected_at", detected_at),
        ("acknowledged_at", acknowledged_at),
        ("mitigated_at", mitigated_at),
        ("resolved_at", resolved_at),
    ]
    labels = {name: name.removesuffix("_at") for name, _ in order}
    known = [(name, value) for name, value in order if value is not None]
    for (earlier, earlier_value), (later, later_value) in zip(known, known[1:], strict=False):
        if later_value < earlier_value:
            errors.setdefault(later, []).append(f"Cannot be {labels[later]} before it was {labels[earlier]}.")
    return errors
