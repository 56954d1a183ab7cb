"""Capacity: people x build weeks, less the working days they are away or on call; over-commitment needs a reason."""

import datetime
import sys
import types
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from planning import capacity, services
from planning.choices import Appetite
from planning.models import Bet
from portal.models import AuditEvent
from tests.planning.factories import AbsenceFactory, PitchFactory

UTC = datetime.UTC


@dataclass
class Shift:
    start: datetime.datetime
    end: datetime.datetime


@pytest.fixture
def fake_oncall(monkeypatch):
    """Stand in for the oncall app's selector: the hook reads `oncall.selectors.shifts_for_people`."""
    shifts: dict[str, list[Shift]] = {}
    module = types.ModuleType("oncall.selectors")
    module.shifts_for_people = lambda people, start, end: {p.pk: shifts[p.slug] for p in people if p.slug in shifts}
    monkeypatch.setitem(sys.modules, "oncall.selectors", module)
    return shifts


def _platform(cycle, org):
    return capacity.teams_capacity(cycle=cycle, teams=[org.platform])[0]


def test_a_subteam_of_two_has_twelve_person_weeks_in_six_build_weeks(org, betting_cycle, fake_oncall):
    result = _platform(betting_cycle, org)
    assert [p.person.slug for p in result.people] == ["kim", "sara"]
    assert result.capacity_weeks == Decimal("12.0")
    assert result.committed_weeks == 0 and not result.over_committed


def test_a_week_of_vacation_takes_one_week_off_the_subteam(org, betting_cycle, fake_oncall):
    AbsenceFactory(person=org.sara.person, start_date=datetime.date(2026, 3, 9), end_date=datetime.date(2026, 3, 13))
    result = _platform(betting_cycle, org)
    sara = next(p for p in result.people if p.person.slug == "sara")
    assert sara.away_weeks == Decimal("1.0") and sara.available_weeks == Decimal("5.0")
    assert result.capacity_weeks == Decimal("11.0")


def test_only_working_days_inside_the_build_weeks_count_as_away(org, betting_cycle, fake_oncall):
    # Saturday 28 Feb to Tuesday 3 March: only Monday and Tuesday are build days.
    AbsenceFactory(person=org.kim.person, start_date=datetime.date(2026, 2, 28), end_date=datetime.date(2026, 3, 3))
    # After the build weeks (they end on Sunday 12 April): does not count at all.
    AbsenceFactory(person=org.kim.person, start_date=datetime.date(2026, 4, 13), end_date=datetime.date(2026, 4, 17))
    # Overlapping the first absence: Tuesday is not taken off twice.
    AbsenceFactory(person=org.kim.person, start_date=datetime.date(2026, 3, 3), end_date=datetime.date(2026, 3, 3))
    kim = next(p for p in _platform(betting_cycle, org).people if p.person.slug == "kim")
    assert kim.away_days == 2
    assert kim.available_weeks == Decimal("5.6")


def test_a_weekly_on_call_shift_takes_one_week_off(org, betting_cycle, fake_oncall):
    fake_oncall["kim"] = [
        Shift(datetime.datetime(2026, 3, 16, 9, tzinfo=UTC), datetime.datetime(2026, 3, 23, 9, tzinfo=UTC))
    ]
    kim = next(p for p in _platform(betting_cycle, org).people if p.person.slug == "kim")
    assert kim.oncall_weeks == Decimal("1.0")
    assert _platform(betting_cycle, org).capacity_weeks == Decimal("11.0")


def test_a_day_both_away_and_on_call_is_taken_off_once(org, betting_cycle, fake_oncall):
    AbsenceFactory(person=org.kim.person, start_date=datetime.date(2026, 3, 16), end_date=datetime.date(2026, 3, 20))
    fake_oncall["kim"] = [
        Shift(datetime.datetime(2026, 3, 16, 9, tzinfo=UTC), datetime.datetime(2026, 3, 23, 9, tzinfo=UTC))
    ]
    kim = next(p for p in _platform(betting_cycle, org).people if p.person.slug == "kim")
    assert (kim.away_days, kim.oncall_days) == (5, 0)
    assert kim.available_weeks == Decimal("5.0")


def test_without_the_oncall_selector_nobody_is_on_call(org, betting_cycle, monkeypatch):
    monkeypatch.setitem(sys.modules, "oncall.selectors", types.ModuleType("oncall.selectors"))
    assert capacity.oncall_weeks(org.kim.person, betting_cycle.start_date, betting_cycle.build_end) == 0
    monkeypatch.setattr(capacity.apps, "is_installed", lambda label: False)
    assert capacity.oncall_shifts(org.kim.person, betting_cycle.start_date, betting_cycle.build_end) == []


def test_a_bet_asks_its_appetite_of_each_of_its_people(org, betting_cycle, lead, fake_oncall):
    small = PitchFactory(appetite=Appetite.SMALL_BATCH)
    services.bet_place(
        actor=lead, cycle=betting_cycle, pitch=small, team=org.platform, people=[org.kim.person, org.sara.person]
    )
    result = _platform(betting_cycle, org)
    assert result.committed_weeks == Decimal(4) and result.left_weeks == Decimal("8.0")


def test_an_over_committing_bet_is_refused_without_a_reason(org, betting_cycle, lead, fake_oncall):
    AbsenceFactory(person=org.kim.person, start_date=datetime.date(2026, 3, 9), end_date=datetime.date(2026, 3, 13))
    pitch = PitchFactory(appetite=Appetite.BIG_BATCH)
    people = [org.kim.person, org.sara.person]
    with pytest.raises(ValidationError) as exc:
        services.bet_place(actor=lead, cycle=betting_cycle, pitch=pitch, team=org.platform, people=people)
    assert "over-commits Data Platform: 12 person-weeks asked of 11.0 available" in exc.value.message_dict["reason"][0]
    assert not Bet.objects.exists()
    pitch.refresh_from_db()
    assert pitch.status == "shaped"


def test_the_lead_may_over_commit_with_a_reason_and_it_is_audited(org, betting_cycle, lead, fake_oncall):
    AbsenceFactory(person=org.kim.person, start_date=datetime.date(2026, 3, 9), end_date=datetime.date(2026, 3, 13))
    pitch = PitchFactory(appetite=Appetite.BIG_BATCH)
    bet = services.bet_place(
        actor=lead,
        cycle=betting_cycle,
        pitch=pitch,
        team=org.platform,
        people=[org.kim.person, org.sara.person],
        reason="Sara covers Kim's week; the upgrade blocks Iceberg.",
    )
    assert bet.reason.startswith("Sara covers")
    event = AuditEvent.objects.get(verb="bet.placed")
    assert "over-commits" in event.message and "Sara covers" in event.message
    assert _platform(betting_cycle, org).over_committed


def test_only_primary_shifts_take_capacity(org, betting_cycle, fake_oncall):
    start = datetime.datetime.combine(betting_cycle.start_date, datetime.time(9), tzinfo=datetime.UTC)
    week = datetime.timedelta(days=7)

    @dataclass
    class LayeredShift(Shift):
        layer: str = "primary"

    fake_oncall["kim"] = [
        LayeredShift(start, start + week, "primary"),
        LayeredShift(start + week, start + 2 * week, "secondary"),
    ]
    assert capacity.oncall_weeks(org.kim.person, betting_cycle.start_date, betting_cycle.build_end) == 1
