"""Planning's capacity reads on-call weeks from here: the hook it looks for exists and answers shifts."""

from datetime import date, timedelta

from oncall.selectors import shifts_for_person
from planning.capacity import oncall_shifts


def test_planning_sees_the_shifts_of_a_person_on_a_rotation(platform, make_rotation):
    make_rotation(platform["team"], platform["people"])
    person = platform["people"][0]
    start = date(2026, 1, 5)
    shifts = shifts_for_person(person, start, start + timedelta(days=28))
    # Three people on a weekly rotation: kim holds the first and the fourth week.
    assert [(s.start.date(), s.end.date()) for s in shifts] == [
        (date(2026, 1, 5), date(2026, 1, 12)),
        (date(2026, 1, 26), date(2026, 2, 2)),
    ]
    assert [(s.start, s.end) for s in oncall_shifts(person, start, start + timedelta(days=28))] == [
        (s.start, s.end) for s in shifts
    ]


def test_someone_on_no_rotation_has_no_shifts(db, make_user):
    from catalog.models import Person

    person = Person.objects.create(full_name="Nobody", slug="nobody")
    assert shifts_for_person(person, date(2026, 1, 5), date(2026, 2, 5)) == []
