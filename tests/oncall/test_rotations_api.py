"""The rotations, overrides, swaps and "who is on call now" API: permissions, validation, query counts."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine

from catalog.models import Person, Team
from oncall import selectors, services
from oncall.models import Override, Rotation, RotationParticipant, SwapRequest
from portal import prepared
from portal.models import AuditEvent

NOW = datetime(2026, 3, 4, 12, tzinfo=UTC)  # Wednesday


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def rotation(platform, make_rotation):
    return make_rotation(platform["team"], platform["people"], start_date=date(2026, 3, 2), has_secondary=True)


def test_everyone_signed_in_reads_rotations_and_anonymous_callers_get_401(api_client, rotation, stakeholder):
    assert api_client.get("/api/v1/oncall/rotations/").status_code == 401
    api_client.force_authenticate(stakeholder)
    body = api_client.get(f"/api/v1/oncall/rotations/{rotation.slug}/").json()
    assert [p["slug"] for p in body["participants"]] == ["kim", "sara", "ana"]
    assert body["ical_url"] is None  # the secret feed is for engineers and leads


def test_a_member_of_another_team_gets_403_when_editing_a_rotation_they_can_see(api_client, rotation, other_team):
    api_client.force_authenticate(other_team["people"][0].user)
    assert api_client.get(f"/api/v1/oncall/rotations/{rotation.slug}/").status_code == 200
    response = api_client.patch(f"/api/v1/oncall/rotations/{rotation.slug}/", {"name": "Mine"}, format="json")
    assert response.status_code == 403
    assert api_client.delete(f"/api/v1/oncall/rotations/{rotation.slug}/").status_code == 403
    rotation.refresh_from_db()
    assert rotation.name == "On-call"


def test_stakeholders_cannot_create_rotations(api_client, platform, stakeholder):
    api_client.force_authenticate(stakeholder)
    payload = {"team": "data-platform", "name": "X", "start_date": "2026-03-02", "participants": ["kim"]}
    assert api_client.post("/api/v1/oncall/rotations/", payload, format="json").status_code == 403
    assert Rotation.objects.count() == 0


def test_an_engineer_cannot_create_a_rotation_for_another_team(api_client, platform, other_team):
    api_client.force_authenticate(other_team["people"][0].user)
    payload = {"team": "data-platform", "name": "X", "start_date": "2026-03-02", "participants": ["kim"]}
    assert api_client.post("/api/v1/oncall/rotations/", payload, format="json").status_code == 403


def test_the_team_edits_its_rotation_and_the_change_is_audited(api_client, rotation, platform):
    api_client.force_authenticate(platform["people"][1].user)
    response = api_client.patch(
        f"/api/v1/oncall/rotations/{rotation.slug}/",
        {"handoff_time": "10:00", "participants": ["ana", "kim", "sara"]},
        format="json",
    )
    assert response.status_code == 200
    assert [p["slug"] for p in response.json()["participants"]] == ["ana", "kim", "sara"]
    event = AuditEvent.objects.get(verb="rotation.updated")
    assert event.actor.username == "sara"
    assert event.changes["handoff_time"] == ["09:00:00", "10:00:00"]


def test_the_lead_manages_every_rotation(api_client, rotation, lead):
    api_client.force_authenticate(lead)
    response = api_client.patch(f"/api/v1/oncall/rotations/{rotation.slug}/", {"name": "Platform"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "Platform"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone", "'Mars/Olympus' is not an IANA time zone"),
        ({"shift_length_days": 40}, "shift_length_days", "A shift lasts 1 to 28 days."),
        ({"participants": ["kim", "nobody"]}, "participants", "Object with slug=nobody does not exist."),
        ({"participants": ["kim", "kim"]}, "participants", "Kim Doe is listed twice"),
        ({"participants": []}, "participants", "This list may not be empty."),
    ],
)
def test_bad_rotation_input_names_the_field_and_writes_nothing(api_client, platform, change, field, message):
    api_client.force_authenticate(platform["people"][0].user)
    payload = {"team": "data-platform", "name": "New", "start_date": "2026-03-02", "participants": ["kim"], **change}
    response = api_client.post("/api/v1/oncall/rotations/", payload, format="json")
    assert response.status_code == 400
    assert message in str(response.json()[field])
    assert Rotation.objects.count() == 0 and AuditEvent.objects.count() == 0


@pytest.mark.parametrize("count", [5, 50])
def test_the_rotation_list_takes_the_same_queries_for_5_or_50_rotations(
    api_client, platform, count, django_assert_num_queries
):
    for i in range(count):
        team = Team.objects.create(name=f"T{i}", slug=f"t{i}")
        rotation = Rotation.objects.create(team=team, name=f"R{i}", slug=f"r{i}", start_date=date(2026, 3, 2))
        for position, name in enumerate("ab"):
            person = Person.objects.create(full_name=f"P{i}{name}", slug=f"p{i}{name}")
            RotationParticipant.objects.create(rotation=rotation, person=person, position=position)
    api_client.force_authenticate(platform["people"][0].user)
    # rotations with teams, participants with people, the user's roles; no count: they fit on the first page
    with django_assert_num_queries(3):
        response = api_client.get("/api/v1/oncall/rotations/?page_size=100")
    assert response.json()["count"] == count
    assert len(response.json()["results"][0]["participants"]) == 2


def test_the_shift_preview_shows_the_coming_weeks_with_overrides(api_client, rotation, platform):
    kim, sara, ana = platform["people"]
    Override.objects.create(
        rotation=rotation, layer="primary", person=ana, starts_at=NOW, ends_at=NOW + timedelta(hours=6)
    )
    api_client.force_authenticate(kim.user)
    shifts = api_client.get(f"/api/v1/oncall/rotations/{rotation.slug}/shifts/").json()
    primaries = [
        (s["person"]["slug"], s["start"], s["override"] is not None) for s in shifts if s["layer"] == "primary"
    ]
    # Kim's shift resumes after ana's cover; the preview starts now, so kim's morning is already past.
    assert primaries[:3] == [
        ("ana", "2026-03-04T12:00:00Z", True),
        ("kim", "2026-03-04T18:00:00Z", False),
        ("sara", "2026-03-09T08:00:00Z", False),
    ]
    # Berlin moves to summer time on 29 March: the hand-off stays at 09:00 local, 07:00 UTC.
    assert ("sara", "2026-03-30T07:00:00Z", False) in primaries
    bad = api_client.get(
        f"/api/v1/oncall/rotations/{rotation.slug}/shifts/?start=2026-03-10T00:00Z&end=2026-03-01T00:00Z"
    )
    assert bad.status_code == 400 and "end" in bad.json()


def test_who_is_on_call_now_answers_for_a_team_and_a_time(api_client, rotation, other_team, make_rotation, stakeholder):
    make_rotation(other_team["team"], other_team["people"], name="ML", start_date=date(2026, 3, 2))
    api_client.force_authenticate(stakeholder)
    rows = api_client.get("/api/v1/oncall/now/?team=data-platform").json()
    assert [(r["layer"], r["person"]["slug"], r["until"]) for r in rows] == [
        ("primary", "kim", "2026-03-09T08:00:00Z"),
        ("secondary", "sara", "2026-03-09T08:00:00Z"),
    ]
    later = api_client.get("/api/v1/oncall/now/?team=data-platform&at=2026-03-09T08:00:00Z").json()
    assert later[0]["person"]["slug"] == "sara"
    everyone = api_client.get("/api/v1/oncall/now/").json()
    assert {r["team"] for r in everyone} == {"data-platform", "mlops"}
    assert api_client.get("/api/v1/oncall/now/?team=nope").json() == {"team": ["No team with the slug 'nope'."]}
    assert "at" in api_client.get("/api/v1/oncall/now/?at=yesterday").json()


def test_overrides_through_the_api_are_checked_and_audited(api_client, rotation, platform, other_team):
    kim, sara, ana = platform["people"]
    payload = {
        "rotation": rotation.slug,
        "layer": "primary",
        "person": "ana",
        "starts_at": "2026-03-05T08:00:00Z",
        "ends_at": "2026-03-05T20:00:00Z",
    }
    api_client.force_authenticate(other_team["people"][0].user)
    assert api_client.post("/api/v1/oncall/overrides/", payload, format="json").status_code == 403
    api_client.force_authenticate(kim.user)
    backwards = {**payload, "ends_at": "2026-03-05T07:00:00Z"}
    assert api_client.post("/api/v1/oncall/overrides/", backwards, format="json").json() == {
        "ends_at": ["The override must end after it starts."]
    }
    created = api_client.post("/api/v1/oncall/overrides/", payload, format="json")
    assert created.status_code == 201
    now = api_client.get("/api/v1/oncall/now/?team=data-platform&at=2026-03-05T12:00:00Z").json()
    assert now[0]["person"]["slug"] == "ana" and now[0]["override"] == created.json()["id"]
    assert AuditEvent.objects.filter(verb="override.created", actor=kim.user).exists()
    assert api_client.delete(f"/api/v1/oncall/overrides/{created.json()['id']}/").status_code == 204
    assert Override.objects.count() == 0


def test_who_is_on_call_now_takes_an_override_from_its_first_instant_to_just_before_its_end(
    api_client, rotation, platform, other_team, make_rotation
):
    kim, sara, ana = platform["people"]
    make_rotation(other_team["team"], other_team["people"], name="ML", start_date=date(2026, 3, 2))
    cover = Override.objects.create(
        rotation=rotation,
        layer="primary",
        person=ana,
        starts_at=datetime(2026, 3, 5, 8, tzinfo=UTC),
        ends_at=datetime(2026, 3, 5, 20, tzinfo=UTC),
    )
    api_client.force_authenticate(kim.user)

    def primary_at(at: str, team: str = "data-platform") -> tuple[str, int | None, str, str]:
        rows = api_client.get("/api/v1/oncall/now/", {"team": team, "at": at}).json()
        row = next(r for r in rows if r["layer"] == "primary")
        return row["person"]["slug"], row["override"], row["since"], row["until"]

    kims_week = ("kim", None, "2026-03-02T08:00:00Z", "2026-03-09T08:00:00Z")
    anas_cover = ("ana", cover.pk, "2026-03-05T08:00:00Z", "2026-03-05T20:00:00Z")
    # Asked again and again (the reads are prepared from the second time), each answer reads the overrides
    # covering its own instant.
    assert primary_at("2026-03-05T07:59:59Z") == kims_week
    assert primary_at("2026-03-05T08:00:00Z") == anas_cover
    assert primary_at("2026-03-05T19:59:59Z") == anas_cover
    assert primary_at("2026-03-05T20:00:00Z") == kims_week
    assert primary_at("2026-03-05T12:00:00Z") == anas_cover
    # Another team's answer never shows this team's override.
    assert primary_at("2026-03-05T12:00:00Z", "mlops")[1] is None


def test_the_overrides_read_for_an_instant_are_only_those_covering_it(rotation, platform, other_team, make_rotation):
    kim, sara, ana = platform["people"]
    ml = make_rotation(other_team["team"], other_team["people"], name="ML", start_date=date(2026, 3, 2))

    def cover(rotation, person, start_hour: int, end_hour: int) -> int:
        return Override.objects.create(
            rotation=rotation,
            layer="primary",
            person=person,
            starts_at=datetime(2026, 3, 5, start_hour, tzinfo=UTC),
            ends_at=datetime(2026, 3, 5, end_hour, tzinfo=UTC),
        ).pk

    ended, covering, coming = cover(rotation, ana, 6, 12), cover(rotation, sara, 8, 20), cover(rotation, ana, 13, 14)
    other_teams = cover(ml, other_team["people"][0], 8, 20)
    at = datetime(2026, 3, 5, 12, tzinfo=UTC)
    for _ in range(3):  # prepared from the second run
        everyone = prepared.values_list(selectors._override_rows_covering, [at, at])
        assert sorted(row[0] for row in everyone) == sorted([covering, other_teams])  # not `ended`, not `coming`
        teams = prepared.values_list(selectors._override_rows_covering, [at, at, platform["team"].pk])
        assert [row[0] for row in teams] == [covering]
    assert {ended, coming}.isdisjoint(row[0] for row in everyone)


def test_a_swap_is_proposed_by_one_and_accepted_by_the_other(api_client, platform, make_rotation):
    kim, sara, ana = platform["people"]
    rotation = make_rotation(platform["team"], [kim, sara, ana], name="Swappable", start_date=date(2026, 3, 2))
    api_client.force_authenticate(kim.user)
    proposal = api_client.post(
        "/api/v1/oncall/swaps/",
        {
            "rotation": rotation.slug,
            "requester_shift_start": "2026-03-03T00:00:00Z",
            "counterpart": "ana",
            "counterpart_shift_start": "2026-03-17T00:00:00Z",
        },
        format="json",
    )
    assert proposal.status_code == 201, proposal.json()
    swap_id = proposal.json()["id"]
    assert proposal.json()["requester_shift_start"] == "2026-03-02T08:00:00Z"  # normalised to the shift's start
    # Nothing changes until ana accepts; kim cannot accept for her.
    assert api_client.post(f"/api/v1/oncall/swaps/{swap_id}/accept/").status_code == 403
    assert api_client.get("/api/v1/oncall/now/?team=data-platform").json()[0]["person"]["slug"] == "kim"
    api_client.force_authenticate(ana.user)
    accepted = api_client.post(f"/api/v1/oncall/swaps/{swap_id}/accept/")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert api_client.get("/api/v1/oncall/now/?team=data-platform").json()[0]["person"]["slug"] == "ana"
    march_17 = api_client.get("/api/v1/oncall/now/?team=data-platform&at=2026-03-17T00:00:00Z").json()
    assert march_17[0]["person"]["slug"] == "kim"
    assert api_client.post(f"/api/v1/oncall/swaps/{swap_id}/decline/").json() == {
        "status": ["This swap is already accepted."]
    }
    assert AuditEvent.objects.filter(verb="swap.accepted", actor=ana.user).exists()


def test_a_swap_of_a_shift_you_do_not_hold_is_refused(api_client, rotation, platform):
    kim = platform["people"][0]
    api_client.force_authenticate(kim.user)
    response = api_client.post(
        "/api/v1/oncall/swaps/",
        {
            "rotation": rotation.slug,
            "requester_shift_start": "2026-03-10T00:00:00Z",
            "counterpart": "ana",
            "counterpart_shift_start": "2026-03-17T00:00:00Z",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "requester_shift_start": ["Kim Doe is not primary on call in On-call at 2026-03-10 00:00 UTC."]
    }
    assert SwapRequest.objects.count() == 0


def test_declining_and_cancelling_a_swap(api_client, platform, make_rotation):
    kim, sara, ana = platform["people"]
    rotation = make_rotation(platform["team"], [kim, sara, ana], name="S", start_date=date(2026, 3, 2))
    api_client.force_authenticate(kim.user)
    body = {
        "rotation": rotation.slug,
        "requester_shift_start": "2026-03-03T00:00:00Z",
        "counterpart": "ana",
        "counterpart_shift_start": "2026-03-17T00:00:00Z",
    }
    first = api_client.post("/api/v1/oncall/swaps/", body, format="json").json()["id"]
    second = api_client.post("/api/v1/oncall/swaps/", body, format="json").json()["id"]
    assert api_client.post(f"/api/v1/oncall/swaps/{first}/cancel/").json()["status"] == "cancelled"
    api_client.force_authenticate(ana.user)
    assert api_client.post(f"/api/v1/oncall/swaps/{second}/decline/").json()["status"] == "declined"
    assert Override.objects.count() == 0


def test_handoff_time_is_local_in_the_api(api_client, platform, make_rotation):
    rotation = make_rotation(platform["team"], platform["people"], handoff_time=time(9, 30))
    api_client.force_authenticate(platform["people"][0].user)
    assert api_client.get(f"/api/v1/oncall/rotations/{rotation.slug}/").json()["handoff_time"] == "09:30:00"


def test_on_call_now_follows_a_changed_rotation_and_the_next_hand_off(api_client, rotation, platform, stakeholder):
    # The answer's rules are kept per process while a rotation is unchanged: a change must show at once.
    kim, sara, ana = platform["people"]
    api_client.force_authenticate(stakeholder)

    def now(at="2026-03-05T12:00:00Z"):
        rows = api_client.get(f"/api/v1/oncall/now/?team=data-platform&at={at}").json()
        return [(r["team"], r["rotation"], r["layer"], r["person"]["slug"], r["until"]) for r in rows]

    assert now() == [
        ("data-platform", "data-platform-on-call", "primary", "kim", "2026-03-09T08:00:00Z"),
        ("data-platform", "data-platform-on-call", "secondary", "sara", "2026-03-09T08:00:00Z"),
    ]
    services.rotation_update(actor=None, rotation=rotation, participants=[ana, kim, sara], shift_length_days=14)
    assert now() == [
        ("data-platform", "data-platform-on-call", "primary", "ana", "2026-03-16T08:00:00Z"),
        ("data-platform", "data-platform-on-call", "secondary", "kim", "2026-03-16T08:00:00Z"),
    ]
    assert now("2026-03-16T08:00:00Z")[0][3:] == ("kim", "2026-03-30T07:00:00Z")  # the next hand-off, then back
    assert now()[0][3] == "ana"
    Rotation.objects.filter(pk=rotation.pk).update(has_secondary=False, slug="platform-on-call")
    Team.objects.filter(pk=platform["team"].pk).update(slug="platform")
    assert api_client.get("/api/v1/oncall/now/?team=platform&at=2026-03-05T12:00:00Z").json()[0]["rotation"] == (
        "platform-on-call"
    )
    assert [(row.rotation.team.slug, row.layer) for row in selectors.oncall_now(at=NOW)] == [("platform", "primary")]
