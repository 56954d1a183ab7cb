"""On-call bench: "who is on call now" across 200 rotations (bar p95 < 10 ms) and a year of iCal (bar < 200 ms).

Run: .venv/bin/python bench/oncall_bench.py
It uses its own database, BENCH_DATABASE_URL (default: postgres://postgres@127.0.0.1:5432/oncall_bench, created
and emptied by this script), so it never touches the portal's data, and its own Redis database for the cache as
in production, BENCH_ONCALL_REDIS_URL (default: redis://127.0.0.1:6379/6, emptied by this script). Prints p50/p95
and SQL queries per call. The API is measured as served (its answer cached until a hand-off or a change), computed at a
hand-off or an override's change (the rotations and people kept in the process, the overrides read) and computed
after a change to a rotation, a person or a team (everything read).
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


def _measure(label: str, fn, runs: int = RUNS) -> dict:
    from django.db import connection, reset_queries

    fn()  # warm-up: imports, first connection, zoneinfo caches
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - start) * 1000)
    from django.conf import settings

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
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)

    rows = []
    result = []
    from django.core.cache import cache

    from catalog import cache as answers

    cache.clear()

    def read_all():
        answers.changed(selectors.ROSTER_GENERATION)  # as after a change to a rotation: nothing kept to use
        return selectors.oncall_now(at=datetime.now(UTC))

    for how, read in (
        ("rotations kept", lambda: selectors.oncall_now(at=datetime.now(UTC))),
        ("everything read", read_all),
    ):
        rows.append(
            _measure(f"on call now, 200 rotations (the selector, {how})", lambda read=read: result.append(len(read())))
        )
        assert result[-1] == ROTATIONS * 2

    def at_a_hand_off(url: str):
        # The answer's generation moved on before each request, as an override's change does (and as a hand-off or
        # an override's start or end ends the answer): every answer is a miss, computed from the rotations and
        # people each process keeps.
        answers.changed(selectors.NOW_GENERATION)
        return client.get(url, secure=True)

    def after_a_change(url: str):
        # A change to a rotation, a person or a team moves both on: everything is read again.
        answers.changed(selectors.NOW_GENERATION, selectors.ROSTER_GENERATION)
        return client.get(url, secure=True)

    def served(url: str):
        return client.get(url, secure=True)

    for how, get in (
        ("as served", served),
        ("computed at a hand-off", at_a_hand_off),
        ("computed after a change", after_a_change),
    ):
        for what, url in (("200 rotations", "/api/v1/oncall/now/"), ("1 team", "/api/v1/oncall/now/?team=team-7")):
            rows.append(_measure(f"GET {url} ({what}, {how})", lambda get=get, url=url: get(url)))
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
            lambda: client.get(f"/oncall/ical/rotation/{weekly.ical_token}.ics", secure=True),
            50,
        )
    )

    from django.db import connection

    print(f"database: {connection.vendor}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(f"{'what':<72} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for row in rows:
        print(f"{row['what']:<72} {row['p50']:>8.2f} {row['p95']:>8.2f} {row['queries']:>8}")


if __name__ == "__main__":
    main()
