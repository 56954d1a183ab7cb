"""Shift math: computed from the rule in the rotation's time zone, across daylight-saving changes and hand-offs."""

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from oncall.choices import Layer
from oncall.shifts import OverrideSpan, Rule, layer_shifts, on_call_at

BERLIN = ZoneInfo("Europe/Berlin")
A, B, C = 1, 2, 3


def rule(participants=(A, B, C), *, days=7, weekday=0, at=time(9, 0), start=date(2026, 1, 5), secondary=False):
    rotation = SimpleNamespace(
        pk=10,
        time_zone="Europe/Berlin",
        start_date=start,
        handoff_weekday=weekday,
        handoff_time=at,
        shift_length_days=days,
        has_secondary=secondary,
    )
    return Rule.for_rotation(rotation, participants)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_monday_0900_berlin_hand_off_stays_at_0900_local_across_the_spring_change():
    r = rule()
    before = on_call_at(r, Layer.PRIMARY, [], utc(2026, 3, 25, 12))
    # Winter: 09:00 CET is 08:00 UTC; summer: 09:00 CEST is 07:00 UTC, so this shift lasts 167 hours.
    assert before.start == utc(2026, 3, 23, 8)
    assert before.end == utc(2026, 3, 30, 7)
    assert before.end.astimezone(BERLIN).time() == time(9, 0)
    after = on_call_at(r, Layer.PRIMARY, [], utc(2026, 3, 30, 7))
    assert after.start == utc(2026, 3, 30, 7) and after.person_id != before.person_id


def test_the_autumn_change_makes_the_shift_an_hour_longer_and_keeps_the_local_hand_off():
    shift = on_call_at(rule(), Layer.PRIMARY, [], utc(2026, 10, 21, 12))
    assert (shift.start, shift.end) == (utc(2026, 10, 19, 7), utc(2026, 10, 26, 8))
    assert shift.end - shift.start == timedelta(hours=169)


def test_a_daily_shift_over_the_spring_night_lasts_23_hours():
    shift = on_call_at(rule(days=1), Layer.PRIMARY, [], utc(2026, 3, 28, 12))
    assert shift.end - shift.start == timedelta(hours=23)
    assert shift.end.astimezone(BERLIN).hour == 9


def test_at_the_hand_off_instant_the_next_person_is_on_call():
    r = rule()
    hand_off = utc(2026, 1, 12, 8)  # Monday 12 January, 09:00 CET
    assert on_call_at(r, Layer.PRIMARY, [], hand_off - timedelta(microseconds=1)).person_id == A
    assert on_call_at(r, Layer.PRIMARY, [], hand_off).person_id == B
    assert on_call_at(r, Layer.PRIMARY, [], hand_off + timedelta(weeks=2)).person_id == A  # the order wraps


def test_nobody_is_on_call_before_the_first_hand_off_weekday_on_or_after_the_start_date():
    r = rule(start=date(2026, 1, 7), weekday=0)  # a Wednesday: the first hand-off is Monday 12 January
    assert on_call_at(r, Layer.PRIMARY, [], utc(2026, 1, 10, 12)) is None
    assert on_call_at(r, Layer.PRIMARY, [], utc(2026, 1, 12, 8)).person_id == A


@pytest.mark.parametrize("handoff", [time(2, 30), time(9, 0), time(0, 0)])
def test_every_instant_falls_in_exactly_one_shift_even_when_the_hand_off_hits_a_dst_gap_or_repeat(handoff):
    r = rule(days=1, at=handoff)
    t = utc(2026, 3, 27)
    while t < utc(2026, 3, 31):
        index = r.index_at(t)
        assert r.start_of(index) <= t < r.start_of(index + 1)
        t += timedelta(minutes=15)
    t = utc(2026, 10, 23)
    while t < utc(2026, 10, 27):
        index = r.index_at(t)
        assert r.start_of(index) <= t < r.start_of(index + 1)
        t += timedelta(minutes=15)


@pytest.mark.parametrize("handoff", [time(2, 30), time(9, 0)])
def test_a_rule_asked_again_later_finds_the_shift_a_new_rule_finds(handoff):
    kept = rule(days=1, at=handoff)  # keeps the shift it found last: the next one is found from it
    t = utc(2026, 3, 20)
    while t < utc(2026, 11, 5):  # both daylight-saving changes, the next shift and shifts skipped
        assert kept.bounds_at(t) == rule(days=1, at=handoff).bounds_at(t)
        t += timedelta(hours=5, minutes=10) if t.day % 3 else timedelta(hours=31)


def test_the_secondary_is_the_next_participant_in_order():
    r = rule(secondary=True)
    at = utc(2026, 1, 6)
    assert on_call_at(r, Layer.PRIMARY, [], at).person_id == A
    assert on_call_at(r, Layer.SECONDARY, [], at).person_id == B
    assert on_call_at(rule((A,), secondary=True), Layer.SECONDARY, [], at) is None


def test_a_partial_override_splits_the_shift_around_the_person_covering():
    r = rule()
    cover = OverrideSpan(1, Layer.PRIMARY, C, utc(2026, 1, 7, 8), utc(2026, 1, 8, 8))
    shifts = layer_shifts(r, Layer.PRIMARY, [cover], utc(2026, 1, 5, 8), utc(2026, 1, 12, 8))
    assert [(s.person_id, s.start, s.end, s.override_id) for s in shifts] == [
        (A, utc(2026, 1, 5, 8), utc(2026, 1, 7, 8), None),
        (C, utc(2026, 1, 7, 8), utc(2026, 1, 8, 8), 1),
        (A, utc(2026, 1, 8, 8), utc(2026, 1, 12, 8), None),
    ]


def test_the_newest_override_wins_where_two_overlap_and_an_override_may_span_a_hand_off():
    r = rule()
    older = OverrideSpan(1, Layer.PRIMARY, C, utc(2026, 1, 10), utc(2026, 1, 14))
    newer = OverrideSpan(2, Layer.PRIMARY, B, utc(2026, 1, 11), utc(2026, 1, 12))
    assert on_call_at(r, Layer.PRIMARY, [older, newer], utc(2026, 1, 11, 12)).person_id == B
    assert on_call_at(r, Layer.PRIMARY, [older, newer], utc(2026, 1, 13)).person_id == C
    pieces = [
        s
        for s in layer_shifts(r, Layer.PRIMARY, [older, newer], utc(2026, 1, 9), utc(2026, 1, 15))
        if s.override_id == 1
    ]
    # The older override shows on both sides of the newer one, across Monday's hand-off, unbroken after it.
    assert [(s.start, s.end) for s in pieces] == [
        (utc(2026, 1, 10), utc(2026, 1, 11)),
        (utc(2026, 1, 12), utc(2026, 1, 14)),
    ]


def test_an_override_on_the_secondary_layer_leaves_the_primary_alone():
    r = rule(secondary=True)
    cover = OverrideSpan(1, Layer.SECONDARY, C, utc(2026, 1, 5), utc(2026, 1, 9))
    assert on_call_at(r, Layer.PRIMARY, [cover], utc(2026, 1, 6)).person_id == A
    assert on_call_at(r, Layer.SECONDARY, [cover], utc(2026, 1, 6)).person_id == C


def test_a_rule_asked_again_keeps_no_stale_shift_forwards_backwards_or_over_the_autumn_repeat():
    # A kept rule remembers the shift it found last ("who is on call now" keeps rules between answers): every
    # instant must still get its own shift, as a rule built afresh for it gives.
    kept = rule(days=1, at=time(2, 30))
    instants = [utc(2026, 10, 24) + timedelta(minutes=20 * i) for i in range(300)]
    for t in instants + instants[::-1] + instants[::7]:
        fresh = rule(days=1, at=time(2, 30))
        assert kept.bounds_at(t) == fresh.bounds_at(t)
        assert on_call_at(kept, Layer.PRIMARY, [], t) == on_call_at(fresh, Layer.PRIMARY, [], t)
