"""The cached answer of "who is on call now" (oncall/api/views.py, catalog/cache.py): served until a hand-off, an
override's start or end, or a committed change to what it shows, and never for another time or the browsable API.
The suite turns the cache off elsewhere (tests/conftest.py); these tests turn it on and run the on-commit hooks, as
a real transaction commit would."""

import secrets
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache, caches
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from catalog import cache as catalog_cache
from catalog import services as catalog_services
from catalog.importers.backstage import import_descriptors
from catalog.models import Person, Service
from oncall import selectors, services
from oncall.models import Override, RotationParticipant
from oncall.services import incidents as incident_services
from portal import audit

NOW = datetime(2026, 3, 4, 12, tzinfo=UTC)  # Wednesday; the week's hand-off is Monday 09:00 Berlin
HAND_OFF = datetime(2026, 3, 9, 8, tzinfo=UTC)
URL = "/api/v1/oncall/now/"


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.CATALOG_CACHE_SECONDS = 300
    # New generations, so nothing an earlier test cached is reachable (set here: a lost counter restarts at the
    # clock's nanoseconds, and these tests stop the clock).
    for key in (
        catalog_cache.CATALOG,
        selectors.NOW_GENERATION,
        selectors.ROSTER_GENERATION,
        selectors.PEOPLE_GENERATION,
    ):
        cache.set(key, secrets.randbits(62), timeout=None)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def committed():
    """A block whose writes count as committed at its end, with every write of the test before it (the fixtures'):
    their on-commit hooks run once and are forgotten, as a commit does. A hook still waiting tells a reader that its
    transaction changed something (what on-call keeps per process is then read afresh: oncall/selectors.py)."""

    @contextmanager
    def run():
        yield
        while connection.run_on_commit:  # a hook may queue another
            hooks = list(connection.run_on_commit)
            connection.run_on_commit.clear()
            for _savepoints, hook, _robust in hooks:
                hook()

    return run


@pytest.fixture
def rotation(platform, make_rotation, committed, clock):
    with committed():
        return make_rotation(platform["team"], platform["people"], start_date=date(2026, 3, 2), has_secondary=True)


def cover_by(rotation, person, starts_at: datetime, ends_at: datetime, actor=None) -> Override:
    """`person` covers the primary layer of `rotation` through the service (checked and audited)."""
    return services.override_create(actor=actor, rotation=rotation, person=person, starts_at=starts_at, ends_at=ends_at)


def holders(api_client, url: str = URL) -> list[tuple[str, str, str | None, str | None]]:
    response = api_client.get(url)
    assert response.status_code == 200, response.content
    return [
        (r["layer"], r["person"]["full_name"] if r["person"] else None, r["since"], r["until"]) for r in response.json()
    ]


def test_the_answer_is_kept_until_the_hand_off_and_then_computed_for_the_next_turn(
    api_client, rotation, stakeholder, clock, django_assert_num_queries
):
    api_client.force_authenticate(stakeholder)
    this_week = [
        ("primary", "Kim Doe", "2026-03-02T08:00:00Z", "2026-03-09T08:00:00Z"),
        ("secondary", "Sara Doe", "2026-03-02T08:00:00Z", "2026-03-09T08:00:00Z"),
    ]
    assert holders(api_client) == this_week
    clock.move_to(HAND_OFF - timedelta(microseconds=1))
    with django_assert_num_queries(0):  # force_authenticate reads nothing: the answer comes from the cache
        assert holders(api_client) == this_week
    clock.move_to(HAND_OFF)
    assert holders(api_client) == [
        ("primary", "Sara Doe", "2026-03-09T08:00:00Z", "2026-03-16T08:00:00Z"),
        ("secondary", "Ana Doe", "2026-03-09T08:00:00Z", "2026-03-16T08:00:00Z"),
    ]


def test_a_coming_override_takes_over_at_its_start_and_hands_back_at_its_end(
    api_client, rotation, platform, clock, committed
):
    kim, sara, ana = platform["people"]
    with committed():
        cover_by(rotation, ana, datetime(2026, 3, 5, 8, tzinfo=UTC), datetime(2026, 3, 5, 20, tzinfo=UTC))
    api_client.force_authenticate(kim.user)
    assert holders(api_client)[0][1] == "Kim Doe"  # kept, with no write before the override starts
    clock.move_to(datetime(2026, 3, 5, 7, 59, 59, tzinfo=UTC))
    assert holders(api_client)[0][1] == "Kim Doe"
    clock.move_to(datetime(2026, 3, 5, 8, tzinfo=UTC))
    assert holders(api_client)[0] == ("primary", "Ana Doe", "2026-03-05T08:00:00Z", "2026-03-05T20:00:00Z")
    clock.move_to(datetime(2026, 3, 5, 19, 59, 59, tzinfo=UTC))
    assert holders(api_client)[0][1] == "Ana Doe"
    clock.move_to(datetime(2026, 3, 5, 20, tzinfo=UTC))
    assert holders(api_client)[0] == ("primary", "Kim Doe", "2026-03-02T08:00:00Z", "2026-03-09T08:00:00Z")


def test_every_committed_change_it_shows_makes_the_next_answer_fresh(api_client, rotation, platform, committed):
    kim, sara, ana = platform["people"]
    api_client.force_authenticate(kim.user)
    assert holders(api_client)[0][1] == "Kim Doe"

    with committed():
        cover = cover_by(rotation, ana, NOW - timedelta(hours=1), NOW + timedelta(hours=1), actor=kim.user)
    assert holders(api_client)[0][1] == "Ana Doe"
    with committed():
        services.override_delete(actor=kim.user, override=cover)
    assert holders(api_client)[0][1] == "Kim Doe"
    with committed():
        services.rotation_update(actor=kim.user, rotation=rotation, participants=[sara, ana, kim])
    assert [row[1] for row in holders(api_client)] == ["Sara Doe", "Ana Doe"]
    with committed():
        catalog_services.person_update(actor=None, person=sara, full_name="Sara Lindqvist")
    assert holders(api_client)[0][1] == "Sara Lindqvist"
    with committed():
        catalog_services.team_update(actor=None, team=platform["team"], slug="platform")
    assert api_client.get(URL).json()[0]["team"] == "platform"
    with committed():
        services.rotation_delete(actor=None, rotation=rotation)
    assert api_client.get(URL).json() == []


def test_a_kept_answer_is_still_only_for_the_signed_in(api_client, rotation, stakeholder):
    api_client.force_authenticate(stakeholder)
    assert holders(api_client)[0][1] == "Kim Doe"
    api_client.force_authenticate(None)
    assert api_client.get(URL).status_code == 401


def test_a_team_s_answer_and_everyone_s_are_kept_apart(
    api_client, rotation, other_team, make_rotation, stakeholder, committed
):
    with committed():
        make_rotation(other_team["team"], other_team["people"], name="ML", start_date=date(2026, 3, 2))
    api_client.force_authenticate(stakeholder)
    assert {r["team"] for r in api_client.get(URL).json()} == {"data-platform", "mlops"}
    assert {r["team"] for r in api_client.get(f"{URL}?team=mlops").json()} == {"mlops"}
    assert {r["team"] for r in api_client.get(URL).json()} == {"data-platform", "mlops"}
    assert api_client.get(f"{URL}?team=nope").json() == {"team": ["No team with the slug 'nope'."]}


def test_an_answer_for_another_time_is_computed_and_never_kept(
    api_client, rotation, stakeholder, django_assert_num_queries
):
    api_client.force_authenticate(stakeholder)
    assert holders(api_client)[0][1] == "Kim Doe"
    next_week = f"{URL}?at=2026-03-10T12:00:00Z"
    assert holders(api_client, next_week)[0][1] == "Sara Doe"
    with django_assert_num_queries(1):  # the overrides: computed again, from the rotations and people kept
        assert holders(api_client, next_week)[0][1] == "Sara Doe"
    assert holders(api_client)[0][1] == "Kim Doe"  # and "now" is still now


def test_the_browsable_api_is_never_served_from_the_cache(client, rotation, platform):
    client.force_login(platform["alex"].user)  # the lead, on no rotation
    assert client.get(URL, HTTP_ACCEPT="application/json")["Content-Type"] == "application/json"
    page = client.get(URL, HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert "alex" in page.content.decode()  # the signed-in user's name, which a shared answer must not carry


def test_an_answer_holds_until_the_first_hand_off_override_end_or_override_start(
    rotation, platform, other_team, make_rotation, clock
):
    kim, sara, ana = platform["people"]
    thursdays = make_rotation(
        other_team["team"], other_team["people"], name="ML", start_date=date(2026, 3, 2), handoff_weekday=3
    )
    rows, until = selectors.oncall_now_until(at=NOW)
    assert len(rows) == 3 and until == datetime(2026, 3, 5, 8, tzinfo=UTC)  # the other rotation's hand-off

    def until_for(team, at=NOW) -> datetime | None:
        return selectors.oncall_now_until(at=at, team=team["team"])[1]

    def cover(rotation, layer: str, person, starts_at: datetime, ends_at: datetime) -> None:
        Override.objects.create(rotation=rotation, layer=layer, person=person, starts_at=starts_at, ends_at=ends_at)

    assert until_for(platform) == HAND_OFF
    cover(rotation, "secondary", kim, NOW + timedelta(hours=6), NOW + timedelta(hours=7))  # the later, made first
    assert until_for(platform) == NOW + timedelta(hours=6)
    cover(rotation, "primary", ana, NOW + timedelta(hours=3), NOW + timedelta(days=9))
    assert until_for(platform) == NOW + timedelta(hours=3)
    assert until_for(other_team) == datetime(2026, 3, 5, 8, tzinfo=UTC)
    # At 19:00 the override is in force and outlasts the week's turn: the turn ends first.
    assert until_for(platform, at=NOW + timedelta(hours=7)) == HAND_OFF
    cover(thursdays, "primary", ana, NOW, NOW + timedelta(minutes=30))
    assert until_for(other_team) == NOW + timedelta(minutes=30)


def test_before_a_rotation_s_first_turn_nobody_holds_it_until_the_turn_starts(
    api_client, platform, make_rotation, stakeholder, clock, committed
):
    with committed():
        make_rotation(platform["team"], platform["people"], start_date=date(2026, 3, 9))  # next Monday
    api_client.force_authenticate(stakeholder)
    assert holders(api_client) == [("primary", None, None, None)]
    clock.move_to(HAND_OFF)
    assert holders(api_client)[0][:2] == ("primary", "Kim Doe")


def test_with_no_rotation_the_empty_answer_is_kept_until_one_is_made(
    api_client, platform, make_rotation, stakeholder, committed, clock
):
    api_client.force_authenticate(stakeholder)
    assert api_client.get(URL).json() == []
    assert selectors.oncall_now_until(at=NOW) == ([], None)
    with committed():
        make_rotation(platform["team"], platform["people"], start_date=date(2026, 3, 2))
    assert holders(api_client)[0][1] == "Kim Doe"


def computed(api_client, url: str = URL) -> bool:
    """Whether answering `url` read the database (force_authenticate reads nothing: a kept answer reads nothing)."""
    with CaptureQueriesContext(connection) as queries:
        assert api_client.get(url).status_code == 200
    return len(queries) > 0


def test_a_change_written_without_signals_is_seen_through_its_audit_event(
    api_client, rotation, platform, stakeholder, committed
):
    kim, sara, ana = platform["people"]
    api_client.force_authenticate(stakeholder)
    assert holders(api_client)[0][1] == "Kim Doe"
    # As a service writing in bulk would: one transaction, no model signal, only the audit event about the rotation.
    with committed(), transaction.atomic():
        RotationParticipant.objects.filter(rotation=rotation, position=0).update(person=platform["alex"])
        audit.record(actor=None, verb="rotation.updated", target=rotation)
    assert holders(api_client)[0][1] == "Alex Doe"


def test_an_answer_is_not_served_for_an_instant_before_it_was_computed(api_client, rotation, stakeholder, clock):
    api_client.force_authenticate(stakeholder)
    assert computed(api_client)
    assert not computed(api_client)
    clock.move_to(NOW - timedelta(seconds=1))  # another server whose clock is behind, say
    assert computed(api_client)


def test_catalog_traffic_keeps_the_answer_and_on_call_changes_keep_the_catalog_s(
    api_client, rotation, platform, stakeholder, committed
):
    api_client.force_authenticate(stakeholder)
    assert computed(api_client)
    catalog_generation = catalog_cache.generation()
    with committed():
        service = Service.objects.create(name="Airflow", slug="airflow", kind="pipeline", tier=2)
        catalog_services.entity_delete(actor=None, entity=service)
    assert catalog_cache.generation() > catalog_generation
    assert not computed(api_client)  # a service's change does not touch who is on call

    catalog_generation = catalog_cache.generation()
    with committed():
        services.feed_reset(actor=None, rotation=rotation)
    assert catalog_cache.generation() == catalog_generation  # nor a rotation's the catalog's lists
    assert computed(api_client)


def test_other_query_parameters_share_the_answer_and_another_format_is_kept_apart(api_client, rotation, stakeholder):
    api_client.force_authenticate(stakeholder)
    assert computed(api_client)
    assert not computed(api_client, f"{URL}?utm=1")
    indented = api_client.get(URL, HTTP_ACCEPT="application/json; indent=2")
    assert indented.content.startswith(b"[\n  {")
    assert api_client.get(URL).content.startswith(b'[{"team"')


def cache_goes_down(monkeypatch) -> None:
    """Every operation the portal makes on the cache fails from here on, as with Redis stopped."""

    def unreachable(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    for method in ("get", "get_many", "set", "add", "incr"):
        monkeypatch.setattr(caches["default"], method, unreachable)


def test_with_the_cache_unreachable_the_answer_is_computed_and_changes_still_commit(
    api_client, rotation, platform, stakeholder, committed, monkeypatch
):
    api_client.force_authenticate(stakeholder)
    assert holders(api_client)[0][1] == "Kim Doe"

    cache_goes_down(monkeypatch)
    kim, sara, ana = platform["people"]
    with committed():
        cover_by(rotation, ana, NOW - timedelta(hours=1), NOW + timedelta(hours=1))
    assert Override.objects.filter(person=ana).exists()
    assert holders(api_client)[0][1] == "Ana Doe"


def test_a_bulk_import_that_renames_a_person_on_call_is_seen_at_once(api_client, rotation, platform, committed):
    api_client.force_authenticate(platform["alex"].user)
    assert holders(api_client)[0][1] == "Kim Doe"
    descriptor = """apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: kim}
spec: {profile: {displayName: Kim Lindqvist, email: kim@example.com}, memberOf: []}
"""
    with committed(), transaction.atomic():  # the importer writes in bulk, without model signals
        import_descriptors(actor=platform["alex"].user, sources=[("users.yaml", descriptor)])
    assert holders(api_client)[0][1] == "Kim Lindqvist"


# The rotations, participants, people and teams the answer is read from, kept per process (oncall/selectors.py).


def test_a_hand_off_or_an_override_reads_only_the_overrides_and_a_change_to_the_rotation_reads_it_all(
    api_client, rotation, platform, stakeholder, clock, committed, django_assert_num_queries
):
    kim, sara, ana = platform["people"]
    api_client.force_authenticate(stakeholder)
    assert holders(api_client)[0][1] == "Kim Doe"  # computed: the rotations and their people kept from here
    clock.move_to(HAND_OFF)
    with django_assert_num_queries(2):  # the overrides in force and the next one's start
        assert [row[1] for row in holders(api_client)] == ["Sara Doe", "Ana Doe"]
    with committed():  # audited on the rotation, but changes nothing of what is kept
        cover_by(rotation, platform["alex"], HAND_OFF, HAND_OFF + timedelta(hours=2))
    with django_assert_num_queries(3):  # and the one covering, who is on no rotation
        assert holders(api_client)[0][1] == "Alex Doe"
    clock.move_to(HAND_OFF + timedelta(hours=2))  # the override's end
    with django_assert_num_queries(2):
        assert holders(api_client)[0][1] == "Sara Doe"
    with committed():
        services.rotation_update(actor=None, rotation=rotation, participants=[ana, kim, sara], has_secondary=False)
    with django_assert_num_queries(4):  # the participants and the rotations too
        assert holders(api_client) == [("primary", "Kim Doe", "2026-03-09T08:00:00Z", "2026-03-16T08:00:00Z")]


def test_a_transaction_that_changes_a_rotation_sees_its_change_before_it_commits(rotation, platform, committed):
    kim, sara, ana = platform["people"]
    with committed():  # nothing pending: the rotation is kept from the next read on
        assert selectors.oncall_now(at=NOW)[0].person.full_name == "Kim Doe"
    with transaction.atomic():
        services.rotation_update(actor=None, rotation=rotation, participants=[ana, kim, sara])
        assert selectors.oncall_now(at=NOW)[0].person.full_name == "Ana Doe"
        assert selectors.page_target(team=platform["team"], at=NOW).person.pk == ana.pk  # whom to page, R4


class RolledBack(Exception):
    pass


def test_what_a_transaction_read_is_neither_taken_from_nor_left_in_the_kept_copy(rotation, platform, committed):
    with committed():
        assert selectors.oncall_now(at=NOW)[0].person.full_name == "Kim Doe"
    with pytest.raises(RolledBack), transaction.atomic():
        # Written without a signal, its audit event not yet recorded: nothing has told the cache.
        RotationParticipant.objects.filter(rotation=rotation, position=0).update(person=platform["alex"])
        assert selectors.oncall_now(at=NOW)[0].person.full_name == "Alex Doe"
        raise RolledBack
    assert selectors.oncall_now(at=NOW)[0].person.full_name == "Kim Doe"


def test_whom_to_page_and_who_commands_are_read_from_the_database_whatever_is_kept(rotation, platform, committed):
    team = platform["team"]
    with committed():
        assert selectors.oncall_now(at=NOW, team=team)[0].person.full_name == "Kim Doe"
    # A change the cache never heard of (a tool writing without signals or audit events): the kept copy is stale.
    RotationParticipant.objects.filter(rotation=rotation, position=0).update(person=platform["alex"])
    assert selectors.oncall_now(at=NOW, team=team)[0].person.full_name == "Kim Doe"
    assert selectors.page_target(team=team, at=NOW).person.pk == platform["alex"].pk  # no policy: the primary
    assert incident_services.default_commander(team, NOW) == platform["alex"]
    services.escalation_policy_save(actor=None, team=platform["root"])  # the lead's policy: primary, then secondary
    assert selectors.page_target(team=team, at=NOW, step=0).person.pk == platform["alex"].pk
    # The same for a person's name: the kept names are not used to page.
    Person.objects.filter(pk=platform["alex"].pk).update(full_name="Alex Lindqvist")
    assert selectors.page_target(team=team, at=NOW, step=0).person.full_name == "Alex Lindqvist"


def test_while_the_cache_is_unreachable_the_rotations_are_read_afresh(
    rotation, platform, committed, monkeypatch, django_assert_num_queries
):
    with committed():
        assert selectors.oncall_now(at=NOW)[0].person.full_name == "Kim Doe"
    with django_assert_num_queries(1):
        selectors.oncall_now(at=NOW)

    cache_goes_down(monkeypatch)
    # A change the cache cannot hear of: written while it is down, or by a tool that sends no signal.
    RotationParticipant.objects.filter(rotation=rotation, position=0).update(person=platform["alex"])
    assert selectors.oncall_now(at=NOW)[0].person.full_name == "Alex Doe"


def test_kept_rotations_are_read_again_after_the_cache_s_seconds_whatever_happened(
    rotation, platform, committed, settings
):
    settings.CATALOG_CACHE_SECONDS = 1
    with committed():
        assert selectors.oncall_now(at=NOW)[0].person.full_name == "Kim Doe"
    RotationParticipant.objects.filter(rotation=rotation, position=0).update(person=platform["alex"])  # unheard of
    assert selectors.oncall_now(at=NOW)[0].person.full_name == "Kim Doe"  # kept
    time.sleep(1.05)
    assert selectors.oncall_now(at=NOW)[0].person.full_name == "Alex Doe"


def test_the_answers_used_last_are_kept_in_a_process():
    kept = catalog_cache.KeptInProcess(selectors.ROSTER_GENERATION, size=2)
    reads = []

    def read(key):
        return lambda: reads.append(key) or key

    for key in ("a", "b", "a", "c", "a", "b"):
        assert kept.get(key, read(key)) == key
    assert reads == ["a", "b", "c", "b"]  # "c" took the place of "b", the one used longest ago


# Each rotation's rows found again while its shift, overrides and people are the same (oncall/selectors.py), and
# each row's JSON written once (oncall/api/views.py).


def test_at_a_hand_off_only_the_rows_of_the_rotation_handing_off_are_found_anew(
    rotation, platform, other_team, make_rotation, clock, committed
):
    with committed():
        make_rotation(
            other_team["team"], other_team["people"], name="ML", start_date=date(2026, 3, 2), handoff_weekday=3
        )
    before = selectors.oncall_now(at=NOW)
    assert [row.rotation.team.slug for row in before] == ["data-platform", "data-platform", "mlops"]
    assert all(a is b for a, b in zip(selectors.oncall_now(at=NOW), before, strict=True))
    thursday = datetime(2026, 3, 5, 8, tzinfo=UTC)  # the other rotation's hand-off
    after = selectors.oncall_now(at=thursday)
    assert after[:2] == before[:2] and after[0] is before[0] and after[1] is before[1]
    assert after[2] is not before[2] and after[2].shift.start == thursday


def test_a_person_renamed_while_covering_is_shown_by_the_new_name(api_client, rotation, platform, committed):
    alex = platform["alex"]  # on no rotation
    with committed():
        cover_by(rotation, alex, NOW - timedelta(hours=1), NOW + timedelta(hours=1))
    api_client.force_authenticate(alex.user)
    assert holders(api_client)[0][1] == "Alex Doe"
    with committed():
        catalog_services.person_update(actor=None, person=alex, full_name="Alex Lindqvist")
    assert holders(api_client)[0][1] == "Alex Lindqvist"
    assert selectors.oncall_now(at=NOW)[0].person.full_name == "Alex Lindqvist"


def test_a_person_renamed_while_on_call_is_shown_by_the_new_name_though_the_rotation_is_unchanged(
    api_client, rotation, platform, committed
):
    kim, sara, ana = platform["people"]
    api_client.force_authenticate(kim.user)
    assert [row[1] for row in holders(api_client)] == ["Kim Doe", "Sara Doe"]
    with committed():
        catalog_services.person_update(actor=None, person=sara, full_name="Sara Lindqvist")
    assert [row[1] for row in holders(api_client)] == ["Kim Doe", "Sara Lindqvist"]


def test_the_answer_is_the_json_renderer_s_to_the_byte(
    api_client, rotation, platform, other_team, make_rotation, committed, clock
):
    from rest_framework.renderers import JSONRenderer

    kim, sara, ana = platform["people"]
    with committed():
        make_rotation(other_team["team"], other_team["people"], name="ML", start_date=date(2026, 3, 9))
        # Text JSON escapes, characters beyond ASCII, and the two JavaScript cannot take raw.
        catalog_services.person_update(actor=None, person=sara, full_name='Sára "S" Doe\u2028\u2029\\')
    api_client.force_authenticate(kim.user)
    for at in (NOW, HAND_OFF, HAND_OFF + timedelta(days=7)):  # each row of each rotation changes at least once
        clock.move_to(at)
        body = api_client.get(URL).content
        computed_whole = api_client.get(URL, {"at": at.isoformat()}).json()  # another time: through Response
        assert body == JSONRenderer().render(computed_whole, "application/json")
    clock.move_to(NOW)
    body = api_client.get(URL).content.decode()
    assert '"full_name":"Sára \\"S\\" Doe\\u2028\\u2029\\\\"' in body


def test_a_rotation_s_change_reads_its_rows_again_and_a_person_s_change_the_people(
    api_client, rotation, platform, stakeholder, committed
):
    kim, sara, ana = platform["people"]
    api_client.force_authenticate(stakeholder)
    assert holders(api_client)[0][1] == "Kim Doe"
    with committed():
        services.rotation_update(actor=None, rotation=rotation, name="Primary on-call")
    with CaptureQueriesContext(connection) as queries:
        assert [row[1] for row in holders(api_client)] == ["Kim Doe", "Sara Doe"]
    assert len(queries) == 4  # the participants, the rotations, the overrides in force, the next one's start
    assert not any("catalog_person" in query["sql"] for query in queries)  # the people are kept
    with committed():
        catalog_services.person_update(actor=None, person=kim, full_name="Kim Lindqvist")
    with CaptureQueriesContext(connection) as queries:
        assert [row[1] for row in holders(api_client)] == ["Kim Lindqvist", "Sara Doe"]
    assert len(queries) == 3  # the participants' names, the overrides in force, the next one's start
    assert not any('FROM "oncall_rotation"' in query["sql"] for query in queries)  # the rotations are kept


def test_a_new_participant_is_named_though_the_people_were_kept(api_client, rotation, platform, stakeholder, committed):
    kim, sara, ana = platform["people"]
    api_client.force_authenticate(stakeholder)
    assert holders(api_client)[0][1] == "Kim Doe"  # the people kept from here: Kim, Sara and Ana
    with committed():
        services.rotation_update(actor=None, rotation=rotation, participants=[platform["alex"], sara, ana])
    assert holders(api_client)[0][1] == "Alex Doe"
    with committed():  # and one kept for one team's answer is named in everyone's
        services.rotation_update(actor=None, rotation=rotation, participants=[kim, sara, ana])
    assert holders(api_client, f"{URL}?team=data-platform")[0][1] == "Kim Doe"
    assert holders(api_client)[0][1] == "Kim Doe"


def run_hooks_one_by_one(between) -> None:
    """Run the hooks the test's writes queued for their commit one at a time, calling `between()` after each: a
    request served while a commit's moves are half done."""
    hooks = list(connection.run_on_commit)
    connection.run_on_commit.clear()
    for _savepoints, hook, _robust in hooks:
        hook()
        between()


@pytest.mark.parametrize("override_first", [False, True], ids=["a person's change", "an override's, then a person's"])
def test_an_answer_computed_while_a_commit_s_moves_are_half_done_is_not_kept_stale(
    api_client, rotation, platform, stakeholder, committed, override_first
):
    kim, sara, ana = platform["people"]
    api_client.force_authenticate(stakeholder)
    assert holders(api_client)[0][1] == "Kim Doe"  # the rotations and people kept, the answer cached
    with transaction.atomic():  # one transaction, one savepoint: each generation's move is queued once
        if override_first:  # the answers' generation queued first, by a change that moves nothing kept
            Override.objects.create(
                rotation=rotation,
                layer="secondary",
                person=ana,
                starts_at=HAND_OFF,
                ends_at=HAND_OFF + timedelta(hours=1),
            )
        kim.full_name = "Kim Lindqvist"
        kim.save()
    seen = []
    run_hooks_one_by_one(lambda: seen.append(holders(api_client)[0][1]))
    assert seen[-1] == "Kim Lindqvist"
    assert holders(api_client)[0][1] == "Kim Lindqvist"


def test_a_rename_rolled_back_is_not_shown(api_client, rotation, platform, stakeholder, committed):
    kim, sara, ana = platform["people"]
    api_client.force_authenticate(stakeholder)
    assert holders(api_client)[0][1] == "Kim Doe"
    with pytest.raises(RolledBack), transaction.atomic():
        catalog_services.person_update(actor=None, person=kim, full_name="Kim Lindqvist")
        assert selectors.page_target(team=platform["team"], at=NOW).person.full_name == "Kim Lindqvist"
        assert selectors.oncall_now(at=NOW)[0].person.full_name == "Kim Lindqvist"
        raise RolledBack
    assert holders(api_client)[0][1] == "Kim Doe"
    assert selectors.oncall_now(at=NOW)[0].person.full_name == "Kim Doe"


def test_kept_json_is_written_with_each_renderer_s_own_options(rotation, platform, committed):
    from rest_framework.renderers import JSONRenderer

    from oncall.api import views

    class Spaced(JSONRenderer):
        compact = False
        ensure_ascii = True

    kim, sara, ana = platform["people"]
    with committed():
        catalog_services.person_update(actor=None, person=kim, full_name="Kím Doe")
    rows = selectors.oncall_now(at=NOW)
    texts = views._RowTexts()
    for renderer in (JSONRenderer(), Spaced(), JSONRenderer(), Spaced()):  # each twice: the second from what is kept
        whole = renderer.render([views._oncall_row(row, views._InstantTexts()) for row in rows], "application/json")
        assert texts.body(rows, renderer, "application/json") == whole
    assert b'"K\\u00edm Doe"' in texts.body(rows, Spaced(), "application/json")
