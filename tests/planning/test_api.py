"""The planning API: who may do what per endpoint, clear 400s naming the field, nothing half-written."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from planning import services
from planning.choices import Appetite, BetStatus, CycleState, PitchStatus
from planning.models import Absence, Bet, Cycle, HillUpdate, Pitch, PitchSketch, Scope
from tests.planning.factories import AbsenceFactory, BetFactory, CycleFactory, PitchFactory

API = "/api/v1/planning"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def building_bet(org):
    cycle = CycleFactory(state=CycleState.BUILDING, start_date=datetime.date.today() - datetime.timedelta(days=7))
    bet = BetFactory(cycle=cycle, team=org.platform)
    bet.people.set([org.kim.person])
    return bet


def test_anonymous_callers_get_401(db, api_client):
    assert api_client.get(f"{API}/cycles/").status_code == 401
    assert api_client.post(f"{API}/cycles/", {"name": "x"}).status_code == 401


@pytest.mark.parametrize("who", ["engineer", "stakeholder"])
def test_only_the_lead_creates_cycles_pitches_and_bets(org, betting_cycle, api_client, request, who):
    api_client.force_authenticate(request.getfixturevalue(who))
    assert api_client.get(f"{API}/cycles/").status_code == 200
    assert api_client.post(f"{API}/cycles/", {"name": "Mine", "start_date": "2026-06-01"}).status_code == 403
    assert api_client.post(f"{API}/pitches/", {"title": "Mine"}).status_code == 403
    transition = api_client.post(f"{API}/cycles/spring/transition/", {"state": "building"})
    assert transition.status_code == 403
    pitch = PitchFactory()
    bet = {"cycle": "spring", "pitch": pitch.slug, "team": "data-platform", "people": ["kim"]}
    assert api_client.post(f"{API}/bets/", bet, format="json").status_code == 403
    assert Cycle.objects.count() == 1 and not Bet.objects.exists()
    assert Cycle.objects.get().state == CycleState.BETTING


def test_the_lead_creates_a_cycle_with_defaults(org, api_client, lead):
    api_client.force_authenticate(lead)
    response = api_client.post(f"{API}/cycles/", {"name": "Autumn", "start_date": "2026-09-07"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json() | {"id": 0} == {
        "id": 0,
        "name": "Autumn",
        "slug": "autumn",
        "start_date": "2026-09-07",
        "build_weeks": 6,
        "cooldown_weeks": 2,
        "build_end": "2026-10-19",
        "end_date": "2026-11-02",
        "state": "shaping",
    }


def test_bad_cycle_input_is_a_400_naming_the_field(org, api_client, lead):
    api_client.force_authenticate(lead)
    response = api_client.post(f"{API}/cycles/", {"name": "", "start_date": "soon", "build_weeks": 0}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"name", "start_date", "build_weeks"}
    assert not Cycle.objects.exists()


def test_a_wrong_transition_is_a_400_naming_the_state(org, betting_cycle, api_client, lead):
    api_client.force_authenticate(lead)
    response = api_client.post(f"{API}/cycles/spring/transition/", {"state": "done"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"state": ["A cycle in Betting can move to: Building, Shaping."]}


def test_the_lead_writes_a_pitch_with_linked_entities_and_shapes_it(org, api_client, lead):
    from catalog.models import Service

    Service.objects.create(kind="platform_component", name="Spark", slug="spark", lifecycle="production")
    api_client.force_authenticate(lead)
    body = {
        "title": "Spark 3.5",
        "problem": "Three Spark versions.",
        "appetite": "big",
        "solution": "Roll **job by job**.",
        "entities": ["spark"],
    }
    response = api_client.post(f"{API}/pitches/", body, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["status"], response.json()["entities"]) == ("draft", ["spark"])
    response = api_client.post(f"{API}/pitches/spark-35/status/", {"status": "shaped"}, format="json")
    assert response.json()["status"] == "shaped"


def test_a_pitch_with_an_unknown_appetite_or_entity_is_refused(org, api_client, lead):
    api_client.force_authenticate(lead)
    body = {"title": "X", "appetite": "huge", "entities": ["nope"]}
    response = api_client.post(f"{API}/pitches/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"appetite", "entities"}
    assert not Pitch.objects.exists()


def test_sketches_must_be_images_and_are_served_to_signed_in_users(org, api_client, lead, client, stakeholder):
    pitch = PitchFactory()
    api_client.force_authenticate(lead)
    bad = SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream")
    response = api_client.post(f"{API}/pitches/{pitch.slug}/sketches/", {"file": bad}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()
    good = SimpleUploadedFile("breadboard.png", PNG, content_type="image/png")
    response = api_client.post(f"{API}/pitches/{pitch.slug}/sketches/", {"file": good}, format="multipart")
    assert response.status_code == 201
    url = response.json()["url"]
    assert PitchSketch.objects.get().name == "breadboard.png"
    assert client.get(url).status_code == 302  # anonymous: to the sign-in page
    client.force_login(stakeholder)
    served = client.get(url)
    assert served["Content-Type"] == "image/png" and b"".join(served.streaming_content) == PNG


def test_over_committing_is_previewed_and_needs_a_reason(org, betting_cycle, api_client, lead):
    pitch = PitchFactory(appetite=Appetite.BIG_BATCH)
    AbsenceFactory(person=org.kim.person, start_date=datetime.date(2026, 3, 9), end_date=datetime.date(2026, 3, 13))
    api_client.force_authenticate(lead)
    bet = {"cycle": "spring", "pitch": pitch.slug, "team": "data-platform", "people": ["kim", "sara"]}
    preview = api_client.post(f"{API}/bets/preview/", bet, format="json").json()
    assert preview["over_committed"] is True
    assert preview["capacity"]["capacity_weeks"] == "11.0" and preview["capacity"]["committed_weeks"] == "12.0"
    refused = api_client.post(f"{API}/bets/", bet, format="json")
    assert refused.status_code == 400 and "over-commits Data Platform" in refused.json()["reason"][0]
    assert not Bet.objects.exists()
    placed = api_client.post(f"{API}/bets/", bet | {"reason": "Worth it"}, format="json")
    assert placed.status_code == 201
    assert placed.json()["people"] == ["kim", "sara"] and placed.json()["reason"] == "Worth it"
    pitch.refresh_from_db()
    assert pitch.status == PitchStatus.BET


def test_team_members_add_and_move_scopes_of_their_bet(building_bet, api_client, org):
    api_client.force_authenticate(org.sara)
    created = api_client.post(f"{API}/scopes/", {"bet": building_bet.pk, "title": "Gate"}, format="json")
    assert created.status_code == 201
    scope_id = created.json()["id"]
    moved = api_client.post(f"{API}/scopes/{scope_id}/move/", {"position": 35, "note": "Spike done"}, format="json")
    assert moved.status_code == 200 and moved.json()["position"] == 35
    scope = api_client.get(f"{API}/scopes/{scope_id}/").json()
    assert (scope["position"], scope["phase"], scope["stale"]) == (35, "uphill", False)


def test_an_engineer_of_another_team_sees_the_scope_but_gets_403_moving_it(building_bet, api_client, org):
    scope = services.scope_create(actor=org.kim, bet=building_bet, title="Gate")
    api_client.force_authenticate(org.park)
    assert api_client.get(f"{API}/scopes/{scope.pk}/").status_code == 200
    response = api_client.post(f"{API}/scopes/{scope.pk}/move/", {"position": 90, "note": "x"}, format="json")
    assert response.status_code == 403
    assert api_client.post(f"{API}/scopes/", {"bet": building_bet.pk, "title": "Mine"}).status_code == 403
    assert api_client.post(f"{API}/bets/{building_bet.pk}/ship/").status_code == 403
    scope.refresh_from_db()
    assert scope.position == 0 and HillUpdate.objects.count() == 1 and Scope.objects.count() == 1


def test_a_stakeholder_reads_scopes_but_cannot_move_them(building_bet, api_client, org, stakeholder):
    scope = services.scope_create(actor=org.kim, bet=building_bet, title="Gate")
    api_client.force_authenticate(stakeholder)
    assert api_client.get(f"{API}/scopes/?bet={building_bet.pk}").json()["count"] == 1
    response = api_client.post(f"{API}/scopes/{scope.pk}/move/", {"position": 90, "note": "x"}, format="json")
    assert response.status_code == 403


def test_a_bad_move_is_a_400_naming_the_field(building_bet, api_client, org):
    scope = services.scope_create(actor=org.kim, bet=building_bet, title="Gate")
    api_client.force_authenticate(org.kim)
    response = api_client.post(f"{API}/scopes/{scope.pk}/move/", {"position": 101}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"position", "note"}
    assert HillUpdate.objects.count() == 1


def test_a_team_member_ships_the_bet(building_bet, api_client, org):
    api_client.force_authenticate(org.kim)
    response = api_client.post(f"{API}/bets/{building_bet.pk}/ship/")
    assert response.status_code == 200 and response.json()["status"] == BetStatus.SHIPPED


def test_the_hill_endpoint_answers_for_a_past_date(building_bet, api_client, org):
    scope = services.scope_create(actor=org.kim, bet=building_bet, title="Gate")
    HillUpdate.objects.filter(scope=scope).update(recorded_at=datetime.datetime(2026, 1, 5, 9, tzinfo=datetime.UTC))
    Scope.objects.filter(pk=scope.pk).update(created=datetime.datetime(2026, 1, 5, 9, tzinfo=datetime.UTC))
    services.scope_move(actor=org.kim, scope=scope, position=50, note="Top of the hill")
    api_client.force_authenticate(org.park)
    now = api_client.get(f"{API}/bets/{building_bet.pk}/hill/").json()
    assert now["scopes"] == [
        # position 50 is the top of the hill: the middle of the chart, at its highest point
        {"title": "Gate", "position": 50, "phase": "downhill", "stale": False, "x": 320.0, "y": 50.0}
    ]
    then = api_client.get(f"{API}/bets/{building_bet.pk}/hill/?at=2026-01-06").json()
    assert (then["at"], then["scopes"][0]["position"]) == ("2026-01-06", 0)
    assert api_client.get(f"{API}/bets/{building_bet.pk}/hill/?at=yesterday").status_code == 400


def test_absences_are_recorded_by_their_person_or_the_lead_and_hidden_from_stakeholders(
    org, api_client, lead, stakeholder
):
    api_client.force_authenticate(org.kim)
    own = {"person": "kim", "start_date": "2026-03-09", "end_date": "2026-03-13", "reason": "Vacation"}
    assert api_client.post(f"{API}/absences/", own, format="json").status_code == 201
    assert api_client.post(f"{API}/absences/", own | {"person": "sara"}, format="json").status_code == 403
    backwards = api_client.post(f"{API}/absences/", own | {"end_date": "2026-03-01"}, format="json")
    assert backwards.status_code == 400 and "end_date" in backwards.json()
    api_client.force_authenticate(lead)
    assert api_client.post(f"{API}/absences/", own | {"person": "sara"}, format="json").status_code == 201
    api_client.force_authenticate(stakeholder)
    assert api_client.get(f"{API}/absences/").json()["count"] == 0
    assert api_client.post(f"{API}/absences/", own, format="json").status_code == 403
    assert Absence.objects.count() == 2


def test_capacity_and_report_endpoints(org, betting_cycle, api_client, lead):
    services.bet_place(actor=lead, cycle=betting_cycle, pitch=PitchFactory(), team=org.mlops, people=[org.park.person])
    api_client.force_authenticate(org.kim)
    capacity = {c["team"]: c for c in api_client.get(f"{API}/cycles/spring/capacity/").json()}
    assert capacity["mlops"]["capacity_weeks"] == "12.0" and capacity["mlops"]["left_weeks"] == "6.0"
    report = api_client.get(f"{API}/cycles/spring/report/").json()
    assert report[0]["team"] == "mlops" and report[0]["building"][0]["appetite_weeks"] == 6


def test_pitches_that_share_a_title_page_in_the_order_they_were_made(stakeholder, api_client):
    # The pitch list declares no ordering (its queryset orders by title); its order still ends with the id, so
    # pitches that tie keep one order from page to page, whatever order the table holds them in.
    pitches = [PitchFactory(title="The same title") for _ in range(9)]
    Pitch.objects.filter(pk__in=[p.pk for p in pitches[:5]]).update(problem="Edited")  # now last on disk
    api_client.force_authenticate(stakeholder)
    seen = []
    for page in range(1, 10):
        response = api_client.get(f"{API}/pitches/", {"page_size": 1, "page": page})
        assert response.status_code == 200
        seen += [row["slug"] for row in response.json()["results"]]
    assert seen == [p.slug for p in pitches]
