"""On-call bench: "who is on call now" across 200 rotations (bar p95 < 10 ms) and a year of iCal (bar < 200 ms).

Run: .venv/bin/python bench/oncall_bench.py
It uses its own database, BENCH_DATABASE_URL (default: postgres://postgres@127.0.0.1:5432/oncall_bench, created
and emptied by this script), so it never touches the portal's data, and its own Redis database for the cache as
in production, BENCH_ONCALL_REDIS_URL (default: redis://127.0.0.1:6379/6, emptied by this script). Prints p50/p95
and SQL queries per call. The API is signed in with a token, as API clients are (one row with a browser's session).
It is measured as served (its answer cached until a hand-off or a change) and computed after each kind of moment that
makes the next request compute it: an override's change (the rotations and people kept in the process, the overrides
read, the other rotations' rows found again), every rotation's hand-off at once (no row or shift found again: the
worst hand-off), a rotation's change (its rotations read again) and a person's change (the
people read again). The change is made before each request, untimed.
"""

import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import standalone  # noqa: E402 (importable once the clone is on the path)

BENCH_DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/oncall_bench")
os.environ["DATABASE_URL"] = BENCH_DB
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("PORTAL_VAR_DIR", str(Path(tempfile.gettempdir()) / "oncall-bench-var"))
os.environ.setdefault("CELERY_BROKER_URL", "memory://")
os.environ["REDIS_URL"] = os.environ.get("BENCH_ONCALL_REDIS_URL", "redis://127.0.0.1:6379/6")

ROTATIONS = 200
PEOPLE_PER_ROTATION = 4
RUNS = 200


def _generate(now: datetime):
    from catalog.models import Person, Team
    from oncall.models import Override, Rotation, RotationParticipant

    teams = Team.objects.bulk_create(Team(name=f"Team {i}", slug=f"team-{i}") for i in range(ROTATIONS))
    people = Person.objects.bulk_create(
        Person(full_name=f"Person {i}", slug=f"person-{i}") for i in range(ROTATIONS * PEOPLE_PER_ROTATION)
    )
    rotations = Rotation.objects.bulk_create(
        Rotation(
            team=team,
            name=f"Rotation {i}",
            slug=f"rotation-{i}",
            start_date=date(2025, 1, 6),
            time_zone=["Europe/Berlin", "America/New_York", "Asia/Seoul", "UTC"][i % 4],
            shift_length_days=[7, 7, 1, 14][i % 4],
            has_secondary=True,
            ical_token=f"token-{i}",
        )
        for i, team in enumerate(teams)
    )
    RotationParticipant.objects.bulk_create(
        RotationParticipant(rotation=r, person=people[i * PEOPLE_PER_ROTATION + p], position=p)
        for i, r in enumerate(rotations)
        for p in range(PEOPLE_PER_ROTATION)
    )
    # A current override on a quarter of the rotations, and a few future ones on each.
    Override.objects.bulk_create(
        Override(
            rotation=r,
            layer="primary",
            person=people[i * PEOPLE_PER_ROTATION + 3],
            starts_at=now + timedelta(days=offset) - timedelta(hours=2),
            ends_at=now + timedelta(days=offset) + timedelta(hours=10),
        )
        for i, r in enumerate(rotations)
        for offset in ([0, 30, 90] if i % 4 == 0 else [45])
    )
    return rotations, people


def _measure(label: str, fn, runs: int = RUNS, before=lambda: None) -> dict:
    """p50/p95 of `fn` over `runs` calls, `before` run untimed ahead of each (the change a request follows)."""
    from django.db import connection, reset_queries

    before()
    fn()  # warm-up: imports, first connection, zoneinfo caches
    timings = []
    for _ in range(runs):
        before()
        start = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - start) * 1000)
    from django.conf import settings

    before()
    settings.DEBUG = True
    reset_queries()
    fn()
    queries = len(connection.queries)
    settings.DEBUG = False
    timings.sort()
    return {
        "what": label,
        "p50": statistics.median(timings),
        "p95": timings[int(len(timings) * 0.95) - 1],
        "queries": queries,
    }


def main() -> None:
    standalone.fresh_database(BENCH_DB)
    standalone.setup_django()
    from django.contrib.auth.models import Group, User
    from django.test import Client

    from oncall import ical, selectors

    now = datetime.now(UTC)
    rotations, people = _generate(now)
    user = User.objects.create_user("bench", password="bench-pass-2026")  # noqa: S106
    user.groups.add(Group.objects.get_or_create(name="engineer")[0])
    # The API signed in as API clients are (and as the side by side's client is): with a token. A browser's session
    # costs two more reads per request (the session, the user); one row below is measured so, for comparison.
    from portal.services import api_token_create

    secret = api_token_create(actor=user, user=user, name="bench")[1]
    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {secret}")
    browser = Client(HTTP_HOST="localhost")
    browser.force_login(user)

    rows = []
    result = []
    from django.core.cache import cache

    from catalog import cache as answers

    cache.clear()

    def nothing_kept():
        # Neither rotations nor people kept, no row found again (the rules themselves stay kept: `_rotation_plan`).
        answers.changed(selectors.ROSTER_GENERATION, selectors.PEOPLE_GENERATION)
        selectors._found_last.clear()

    for how, before in (
        ("rotations kept, rows found again", lambda: None),
        ("rotations kept, no row found again", selectors._found_last.clear),
        ("everything read", nothing_kept),
    ):
        rows.append(
            _measure(
                f"on call now, 200 rotations (the selector, {how})",
                lambda: result.append(len(selectors.oncall_now(at=datetime.now(UTC)))),
                before=before,
            )
        )
        assert result[-1] == ROTATIONS * 2

    # What each computed answer follows, done before each request and not timed. Each moves the answer's generation
    # on, as the change it stands for does, so every request is a miss.
    from oncall.models import Override

    def an_override_changes(rotation):
        # One rotation's override starts or ends (created, then deleted): the other rotations' rows are found again.
        found = Override.objects.filter(rotation=rotation, reason="bench")
        if not found.delete()[0]:
            Override.objects.create(
                rotation=rotation, person=people[0], starts_at=now, ends_at=now + timedelta(days=1), reason="bench"
            )

    def every_rotation_hands_off():
        # As when every rotation hands off at the same instant: no row found again, and each rule (which keeps the
        # shift it found last, `Rule.bounds_at`) last found the shift before the current one.
        answers.changed(selectors.NOW_GENERATION)
        selectors._found_last.clear()
        for _generation, _until, roster in selectors._rosters._kept.values():
            for rule, _ref in roster.rotations:
                index, start, _end = rule.bounds_at(datetime.now(UTC))
                rule._last_bounds = (index - 1, rule.start_of(index - 1), start)

    def a_rotation_changes(rotation):
        # A change to one rotation (its name, saved): the rotations and people are read again, its rows found anew.
        rotation.name = (
            rotation.name.removesuffix(" (renamed)") if "renamed" in rotation.name else f"{rotation.name} (renamed)"
        )
        rotation.save(update_fields=["name"])

    def a_person_changes(person):
        # A change to one person (their name, saved): the people are read again, the rows naming them found anew.
        person.full_name = f"{person.full_name} (renamed)" if "renamed" not in person.full_name else "Person 4"
        person.save(update_fields=["full_name"])

    def served(url: str):
        return client.get(url, secure=True)

    team_rotation = rotations[7]  # team-7's
    for what, url, rotation in (
        ("200 rotations", "/api/v1/oncall/now/", rotations[1]),
        ("1 team", "/api/v1/oncall/now/?team=team-7", team_rotation),
    ):
        for how, before in (
            ("as served", lambda: None),
            ("computed after an override's change", lambda rotation=rotation: an_override_changes(rotation)),
            ("computed after every rotation's hand-off", every_rotation_hands_off),
            ("computed after a rotation's change", lambda rotation=rotation: a_rotation_changes(rotation)),
            ("computed after a person's change", lambda: a_person_changes(people[4])),
        ):
            rows.append(_measure(f"GET {url} ({what}, {how})", lambda url=url: served(url), before=before))
    url = "/api/v1/oncall/now/"
    rows.append(
        _measure(f"GET {url} (200 rotations, as served, a browser's session)", lambda: browser.get(url, secure=True))
    )
    weekly = rotations[0]
    daily = rotations[2]
    rows.append(
        _measure("a year of iCal, weekly rotation (56 weeks)", lambda: ical.rotation_calendar(weekly, now=now), 50)
    )
    rows.append(
        _measure("a year of iCal, daily rotation (56 weeks)", lambda: ical.rotation_calendar(daily, now=now), 50)
    )
    rows.append(_measure("a year of iCal, one person's feed", lambda: ical.person_calendar(people[0], now=now), 50))
    rows.append(
        _measure(
            "GET /oncall/ical/rotation/<token>.ics (weekly)",
            lambda: browser.get(f"/oncall/ical/rotation/{weekly.ical_token}.ics", secure=True),
            50,
        )
    )

    from django.db import connection

    print(f"database: {connection.vendor}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(f"{'what':<86} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for row in rows:
        print(f"{row['what']:<86} {row['p50']:>8.2f} {row['p95']:>8.2f} {row['queries']:>8}")


if __name__ == "__main__":
    main()
