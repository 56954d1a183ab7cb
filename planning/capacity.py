"""Capacity of subteams for a cycle: people x build weeks, less the working days they are away or on call.

Weeks are counted in working days (Monday to Friday, five to a week), so a Monday-to-Friday vacation takes
exactly one week off, and a day both away and on call is taken off once. On-call days count fully: the
playbook's on-call engineer handles alerts first, so the day is not given to the bet.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.apps import apps
from django.utils import timezone

from planning.choices import APPETITE_WEEKS

WORKDAYS_PER_WEEK = 5


def working_days(start: datetime.date, end: datetime.date) -> set[datetime.date]:
    """Monday-to-Friday dates in [start, end)."""
    days = set()
    day = start
    while day < end:
        if day.weekday() < 5:
            days.add(day)
        day += datetime.timedelta(days=1)
    return days


def weeks(days: int) -> Decimal:
    return (Decimal(days) / WORKDAYS_PER_WEEK).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


#
# The on-call hook: the oncall app is optional and may arrive later.
#


def oncall_shifts_of(people: Iterable, start: datetime.date, end: datetime.date) -> dict[int, list]:
    """{person id: on-call shifts overlapping [start, end)} for many people at once, from the oncall app.

    The oncall app is used only if it is installed and exposes `oncall.selectors.shifts_for_people(people,
    start, end)` returning shifts with `.start` / `.end` datetimes; otherwise nobody is on call.
    """
    if not apps.is_installed("oncall"):
        return {}
    try:
        from oncall.selectors import shifts_for_people
    except (ImportError, AttributeError):
        return {}
    return shifts_for_people(list(people), start, end)


def oncall_shifts(person, start: datetime.date, end: datetime.date) -> list:
    """One person's on-call shifts overlapping [start, end)."""
    return list(oncall_shifts_of([person], start, end).get(person.pk, []))


def _aware(value: datetime.datetime) -> datetime.datetime:
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def oncall_days(person, start: datetime.date, end: datetime.date, shifts: list | None = None) -> set[datetime.date]:
    """The working days in [start, end) whose noon falls within one of `person`'s on-call shifts.

    Noon decides, so a weekly shift handed off at 09:00 on Monday takes five working days, not six.
    """
    days: set[datetime.date] = set()
    for shift in oncall_shifts(person, start, end) if shifts is None else shifts:
        # The primary carries the pager; a secondary backs up and works on the cycle (in a team of two with
        # both layers everyone is always on one of them, which would leave no capacity at all).
        if getattr(shift, "layer", "primary") != "primary":
            continue
        shift_start, shift_end = _aware(shift.start), _aware(shift.end)
        first = max(timezone.localtime(shift_start).date(), start)
        last = min(timezone.localtime(shift_end).date() + datetime.timedelta(days=1), end)
        for day in working_days(first, last):
            noon = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
            if shift_start <= noon < shift_end:
                days.add(day)
    return days


def oncall_weeks(person, start: datetime.date, end: datetime.date) -> Decimal:
    return weeks(len(oncall_days(person, start, end)))


#
# Capacity of people and teams
#


def absence_days(absences: Iterable, start: datetime.date, end: datetime.date) -> set[datetime.date]:
    days: set[datetime.date] = set()
    for absence in absences:
        days |= working_days(max(absence.start_date, start), min(absence.end_date + datetime.timedelta(days=1), end))
    return days


def bet_weeks(*, appetite: str, people: int, build_weeks: int) -> Decimal:
    """What a bet asks of its team: the appetite (at most the build weeks) for each of its people."""
    return Decimal(min(APPETITE_WEEKS[appetite], build_weeks) * people)


@dataclass
class PersonCapacity:
    person: object
    build_days: int
    away_days: int
    oncall_days: int

    @property
    def away_weeks(self) -> Decimal:
        return weeks(self.away_days)

    @property
    def oncall_weeks(self) -> Decimal:
        return weeks(self.oncall_days)

    @property
    def weeks(self) -> Decimal:
        return weeks(self.build_days)

    @property
    def available_weeks(self) -> Decimal:
        return weeks(max(self.build_days - self.away_days - self.oncall_days, 0))


@dataclass
class TeamCapacity:
    team: object
    people: list[PersonCapacity] = field(default_factory=list)
    committed_weeks: Decimal = Decimal(0)
    bets: list = field(default_factory=list)

    @property
    def capacity_weeks(self) -> Decimal:
        return sum((p.available_weeks for p in self.people), Decimal(0))

    @property
    def left_weeks(self) -> Decimal:
        return self.capacity_weeks - self.committed_weeks

    @property
    def over_by_weeks(self) -> Decimal:
        return max(self.committed_weeks - self.capacity_weeks, Decimal(0))

    @property
    def over_committed(self) -> bool:
        return self.committed_weeks > self.capacity_weeks

    def with_bet(self, extra_weeks: Decimal) -> "TeamCapacity":
        """This capacity as it would be with one more bet: shown before the bet is placed."""
        return TeamCapacity(self.team, self.people, self.committed_weeks + extra_weeks, self.bets)


def person_capacity(
    *, person, start: datetime.date, end: datetime.date, absences: Iterable, shifts: list | None = None
) -> PersonCapacity:
    days = working_days(start, end)
    away = absence_days(absences, start, end) & days
    oncall = (oncall_days(person, start, end, shifts) & days) - away  # a day away is not also a day on call
    return PersonCapacity(person=person, build_days=len(days), away_days=len(away), oncall_days=len(oncall))


def teams_capacity(*, cycle, teams: Iterable) -> list[TeamCapacity]:
    """Capacity and commitment of each team for `cycle`, in a fixed number of queries (plus the on-call hook)."""
    from catalog.models import Membership
    from planning.models import Absence, Bet

    teams = list(teams)
    start, end = cycle.start_date, cycle.build_end
    members = defaultdict(list)
    for membership in Membership.objects.filter(team__in=teams).select_related("person").order_by("person__full_name"):
        members[membership.team_id].append(membership.person)
    person_ids = {p.pk for people in members.values() for p in people}
    absences = defaultdict(list)
    for absence in Absence.objects.filter(person_id__in=person_ids, start_date__lt=end, end_date__gte=start):
        absences[absence.person_id].append(absence)
    all_people = {p.pk: p for people in members.values() for p in people}
    shifts = oncall_shifts_of(all_people.values(), start, end)  # one call for everyone: no query per person
    bets = defaultdict(list)
    for bet in Bet.objects.filter(cycle=cycle, team__in=teams).select_related("pitch").prefetch_related("people"):
        bets[bet.team_id].append(bet)

    result = []
    for team in teams:
        team_bets = bets[team.pk]
        committed = sum(
            (
                bet_weeks(appetite=b.pitch.appetite, people=len(b.people.all()), build_weeks=cycle.build_weeks)
                for b in team_bets
            ),
            Decimal(0),
        )
        people = [
            person_capacity(person=p, start=start, end=end, absences=absences[p.pk], shifts=shifts.get(p.pk, []))
            for p in members[team.pk]
        ]
        result.append(TeamCapacity(team=team, people=people, committed_weeks=committed, bets=team_bets))
    return result
