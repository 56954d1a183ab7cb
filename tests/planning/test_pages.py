"""The planning pages: the home, the betting table, a bet's hill chart, pitches, absences, the dashboard panel."""

import datetime
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from planning import services
from planning.choices import Appetite, BetStatus, CycleState, PitchStatus
from planning.models import Absence, Bet, Cycle, HillUpdate, Pitch, RoadmapItem
from tests.planning.factories import AbsenceFactory, BetFactory, CycleFactory, PitchFactory


@pytest.fixture
def building_bet(org):
    start = timezone.localdate() - datetime.timedelta(days=10)
    bet = BetFactory(cycle=CycleFactory(name="Now", state=CycleState.BUILDING, start_date=start), team=org.platform)
    bet.people.set([org.kim.person])
    return bet


def test_the_planning_home_says_so_when_nothing_is_planned(client, engineer):
    client.force_login(engineer)
    response = client.get("/planning/")
    assert response.status_code == 200
    assert b"No Shape Up cycles are planned in this portal yet." in response.content


def test_the_betting_table_shows_shaped_pitches_and_capacity(org, betting_cycle, client, lead):
    PitchFactory(title="Spark 3.5 rolling upgrade")
    PitchFactory(title="Still a draft", status=PitchStatus.DRAFT)
    client.force_login(lead)
    html = client.get("/planning/cycles/spring/").content.decode()
    assert "The betting table" in html and "Spark 3.5 rolling upgrade" in html
    assert "Still a draft" not in html
    assert "Data Platform (12.0 weeks left)" in html


def test_an_over_commitment_is_shown_before_the_bet_is_placed(org, betting_cycle, client, lead):
    pitch = PitchFactory(title="Big one", appetite=Appetite.BIG_BATCH)
    AbsenceFactory(person=org.sara.person)  # a week away: 11 person-weeks left for a 12-week bet
    client.force_login(lead)
    data = {"pitch": pitch.pk, "team": org.platform.pk, "people": [org.kim.person.pk, org.sara.person.pk]}
    response = client.post("/planning/cycles/spring/bets/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "The bet was not placed" in html
    assert "over-commits Data Platform: 12 person-weeks asked of 11.0 available" in html
    assert not Bet.objects.exists()
    response = client.post("/planning/cycles/spring/bets/", data | {"reason": "It unblocks Iceberg"})
    assert response.status_code == 302
    assert Bet.objects.get().reason == "It unblocks Iceberg"


@pytest.mark.parametrize("who", ["engineer", "stakeholder"])
def test_only_the_lead_reaches_the_planning_forms(org, betting_cycle, client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/planning/cycles/new/").status_code == 403
    assert client.get("/planning/pitches/new/").status_code == 403
    pitch = PitchFactory()
    data = {"pitch": pitch.pk, "team": org.platform.pk, "people": [org.kim.person.pk]}
    assert client.post("/planning/cycles/spring/bets/", data).status_code == 403
    assert client.post("/planning/cycles/spring/transition/", {"state": "building"}).status_code == 403
    assert not Bet.objects.exists() and Cycle.objects.get().state == CycleState.BETTING


def test_the_lead_creates_a_cycle_and_a_bad_date_is_named(client, lead):
    client.force_login(lead)
    response = client.post("/planning/cycles/new/", {"name": "Q3", "start_date": "someday", "build_weeks": 6})
    assert response.status_code == 400 and "Start date: Enter a valid date." in response.content.decode()
    response = client.post(
        "/planning/cycles/new/", {"name": "Q3", "start_date": "2026-07-06", "build_weeks": 6, "cooldown_weeks": 2}
    )
    assert response.status_code == 302 and Cycle.objects.get().slug == "q3"


def test_a_bet_page_draws_the_hill_and_redraws_a_past_date(building_bet, org, client):
    scope = services.scope_create(actor=org.kim, bet=building_bet, title="Operator gate")
    three_days_ago = timezone.now() - datetime.timedelta(days=3)
    HillUpdate.objects.update(recorded_at=three_days_ago)
    type(scope).objects.update(created=three_days_ago)
    services.scope_move(actor=org.kim, scope=scope, position=75, note="Rolled out to staging")
    client.force_login(org.park)
    html = client.get(building_bet.get_absolute_url()).content.decode()
    assert 'data-scope="Operator gate" data-position="75"' in html
    assert "Rolled out to staging" in html
    assert "Move Operator gate" not in html  # park is not in the bet's team
    past = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()
    fragment = client.get(f"/planning/bets/{building_bet.pk}/hill/?at={past}").content.decode()
    assert 'data-position="0"' in fragment and f"The hill on {past}" in fragment
    svg = client.get(f"/planning/bets/{building_bet.pk}/hill/?format=svg")
    assert svg["Content-Type"] == "image/svg+xml" and b"<circle" in svg.content


def test_a_team_member_moves_a_scope_from_the_bet_page(building_bet, org, client):
    scope = services.scope_create(actor=org.kim, bet=building_bet, title="Gate")
    client.force_login(org.sara)
    response = client.post(f"/planning/scopes/{scope.pk}/move/", {"position": 40, "note": "Spike done"}, follow=True)
    assert "&#x27;Gate&#x27; moved to 40 (uphill)." in response.content.decode()
    bad = client.post(f"/planning/scopes/{scope.pk}/move/", {"position": 400, "note": ""}, follow=True)
    html = bad.content.decode()
    assert "Position of &#x27;Gate&#x27;: Ensure this value is less than or equal to 100." in html
    assert "Note of &#x27;Gate&#x27;: This field is required." in html
    scope.refresh_from_db()
    assert scope.position == 40


def test_an_engineer_of_another_team_gets_403_moving_a_scope(building_bet, org, client):
    scope = services.scope_create(actor=org.kim, bet=building_bet, title="Gate")
    client.force_login(org.park)
    assert client.get(building_bet.get_absolute_url()).status_code == 200
    assert client.post(f"/planning/scopes/{scope.pk}/move/", {"position": 40, "note": "x"}).status_code == 403
    assert client.post(f"/planning/bets/{building_bet.pk}/scopes/", {"title": "Mine"}).status_code == 403
    assert client.post(f"/planning/bets/{building_bet.pk}/ship/").status_code == 403
    assert HillUpdate.objects.count() == 1


def test_a_pitch_page_renders_sanitised_markdown_and_rejects_non_image_sketches(client, lead):
    pitch = PitchFactory(solution="Roll **job by job**.<script>alert(1)</script>")
    client.force_login(lead)
    html = client.get(pitch.get_absolute_url()).content.decode()
    assert "<strong>job by job</strong>" in html and "<script>alert" not in html
    upload = SimpleUploadedFile("notes.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = client.post(f"/planning/pitches/{pitch.slug}/sketches/", {"file": upload}, follow=True)
    assert "Sketch: Upload an image: .png, .jpg, .jpeg, .gif, .webp." in response.content.decode()
    assert not pitch.sketches.exists()


def test_the_lead_starts_a_pitch_from_a_roadmap_item(client, lead):
    item = RoadmapItem.objects.create(title="Query federation", slug="query-federation", description="Trino.")
    client.force_login(lead)
    response = client.post(f"/planning/roadmap/{item.slug}/pitch/")
    pitch = Pitch.objects.get(roadmap_item=item)
    assert response.url == f"/planning/pitches/{pitch.slug}/edit/"
    assert pitch.status == PitchStatus.DRAFT


def test_the_cycle_report_shows_shipped_and_not_shipped_per_subteam(org, client, stakeholder):
    cycle = CycleFactory(state=CycleState.DONE, start_date=datetime.date(2026, 1, 5))
    small = PitchFactory(title="Airflow upgrade", appetite=Appetite.SMALL_BATCH, status=PitchStatus.SHIPPED)
    shipped_at = datetime.datetime(2026, 1, 26, 12, tzinfo=datetime.UTC)  # three weeks in
    BetFactory(cycle=cycle, pitch=small, team=org.platform, status=BetStatus.SHIPPED, finished_at=shipped_at)
    big = PitchFactory(title="Kerberos in pods", status=PitchStatus.NOT_SHIPPED)
    BetFactory(cycle=cycle, pitch=big, team=org.platform, status=BetStatus.NOT_SHIPPED)
    client.force_login(stakeholder)
    html = client.get(f"/planning/cycles/{cycle.slug}/report/").content.decode()
    assert "Data Platform: 1 shipped, 1 not shipped" in html
    assert '<td>2</td><td>3.0 <span class="badge warn">over appetite</span></td>' in html
    assert "more than 6 (cut)" in html


def test_engineers_record_their_absences_and_stakeholders_cannot_see_them(org, client, stakeholder):
    client.force_login(org.kim)
    data = {"person": org.kim.person.pk, "start_date": "2026-03-09", "end_date": "2026-03-06", "reason": "Vacation"}
    response = client.post("/planning/absences/", data)
    assert response.status_code == 400
    assert "Last day away: The last day away cannot be before the first." in response.content.decode()
    assert client.post("/planning/absences/", data | {"end_date": "2099-03-13"}).status_code == 302
    assert (
        client.post("/planning/absences/", data | {"person": org.sara.person.pk, "end_date": "2099-03-13"}).status_code
        == 403
    )
    assert Absence.objects.count() == 1
    client.force_login(stakeholder)
    assert client.get("/planning/absences/").status_code == 403


def test_the_dashboard_shows_the_current_cycle_and_the_check_in(building_bet, org, client):
    scope = services.scope_create(actor=org.kim, bet=building_bet, title="Quiet scope")
    type(scope).objects.filter(pk=scope.pk).update(moved_at=timezone.now() - datetime.timedelta(days=8))
    client.force_login(org.park)
    html = client.get("/").content.decode()
    assert "Shape Up cycle" in html and building_bet.pitch.title in html
    assert "Quiet scope" in html and "not moved since" in html


def test_the_demo_holds_the_seeds_roadmap_as_pitches_and_loads_once(db):
    call_command("load_demo", stdout=StringIO())
    roadmap = set(RoadmapItem.objects.values_list("title", flat=True))
    assert roadmap == {"Spark upgrades", "Iceberg adoption", "ML/LLM stack enhancements", "Query federation"}
    building = Cycle.objects.get(state=CycleState.BUILDING)
    assert {b.pitch.roadmap_item.title for b in building.bets.all()} == roadmap
    assert {b.team.slug for b in building.bets.all()} == {"data-platform", "data-engineering", "mlops", "bi-services"}
    assert HillUpdate.objects.filter(scope__bet__cycle=building).count() > 20
    betting = Cycle.objects.get(state=CycleState.BETTING)
    assert Pitch.objects.filter(status=PitchStatus.SHAPED).count() >= 3 and not betting.bets.exists()
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "planning: 0 rows created" in out.getvalue()


def test_editing_a_pitch_audits_what_changed(client, lead):
    from portal.models import AuditEvent

    pitch = PitchFactory(title="Spark", status=PitchStatus.DRAFT)
    client.force_login(lead)
    data = {"title": "Spark 3.5", "problem": pitch.problem, "appetite": "small", "solution": pitch.solution}
    response = client.post(f"/planning/pitches/{pitch.slug}/edit/", data)
    assert response.status_code == 302
    changes = AuditEvent.objects.get(verb="pitch.updated").changes
    assert changes == {"title": ["Spark", "Spark 3.5"], "appetite": ["big", "small"]}
    empty = client.post(f"/planning/pitches/{pitch.slug}/edit/", data | {"title": "", "appetite": "huge"})
    html = empty.content.decode()
    assert empty.status_code == 400 and "Title: This field is required." in html and "Appetite: Select a valid" in html


@pytest.mark.parametrize("username", ["alex", "lucas", "rachel"])
def test_every_planning_page_of_the_demo_opens_for_the_lead_an_engineer_and_a_stakeholder(db, client, username):
    from django.contrib.auth.models import User

    call_command("load_demo", stdout=StringIO())
    client.force_login(User.objects.get(username=username))
    bet = Bet.objects.get(pitch__slug="trino-federation")
    paths = ["/", "/planning/", "/planning/pitches/", "/planning/pitches/?status=shaped", bet.get_absolute_url()]
    paths += [f"/planning/bets/{bet.pk}/hill/?at={bet.cycle.start_date + datetime.timedelta(days=7)}"]
    for cycle in Cycle.objects.all():
        paths += [cycle.get_absolute_url(), f"/planning/cycles/{cycle.slug}/report/"]
    paths += [pitch.get_absolute_url() for pitch in Pitch.objects.all()]
    for path in paths:
        assert client.get(path).status_code == 200, path
    # The lead sees the betting controls; the others only read.
    betting = client.get("/planning/cycles/streaming-and-serving/").content.decode()
    assert ("Place bet" in betting) is (username == "alex")
    assert client.get("/planning/absences/").status_code == (403 if username == "rachel" else 200)
