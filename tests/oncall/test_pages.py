"""The on-call pages: the home, rotation forms, overrides and swaps from the page, escalation, the demo."""

from datetime import UTC, date, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from catalog.models import Person, Team
from oncall.models import EscalationPolicy, Incident, Override, Rotation, RotationParticipant, SwapRequest

NOW = datetime(2026, 3, 4, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_home_shows_who_is_on_call_now(client, platform, make_rotation, stakeholder):
    client.force_login(stakeholder)
    assert 'class="empty"' in client.get("/oncall/").content.decode()
    make_rotation(platform["team"], platform["people"], start_date=date(2026, 3, 2), has_secondary=True)
    html = client.get("/oncall/").content.decode()
    assert "Who is on call now" in html and "Kim Doe" in html and "Sara Doe" in html
    assert "New rotation" not in html  # stakeholders read
    dashboard = client.get("/").content.decode()
    assert "On call now" in dashboard and "Kim Doe" in dashboard


@pytest.mark.parametrize("count", [5, 50])
def test_the_home_takes_the_same_queries_for_5_or_50_rotations(client, platform, count, django_assert_num_queries):
    for i in range(count):
        team = Team.objects.create(name=f"T{i}", slug=f"t{i}")
        rotation = Rotation.objects.create(team=team, name=f"R{i}", slug=f"r{i}", start_date=date(2026, 3, 2))
        for position, name in enumerate("ab"):
            person = Person.objects.create(full_name=f"P{i}{name}", slug=f"p{i}{name}")
            RotationParticipant.objects.create(rotation=rotation, person=person, position=position)
    client.force_login(platform["people"][0].user)
    with django_assert_num_queries(15):
        response = client.get("/oncall/")
    assert response.content.decode().count("/oncall/rotations/r") == count


def test_creating_a_rotation_from_the_page_names_bad_fields(client, platform):
    client.force_login(platform["people"][0].user)
    form = {
        "team": "data-platform",
        "name": "Primary",
        "participants": "kim, ghost",
        "time_zone": "Europe/Nowhere",
        "start_date": "2026-03-02",
        "handoff_weekday": "0",
        "handoff_time": "09:00",
        "shift_length_days": "7",
    }
    response = client.post("/oncall/rotations/new/", form)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Participants: No person with the slug: ghost." in html
    assert "Time zone: &#x27;Europe/Nowhere&#x27; is not an IANA time zone" in html
    assert Rotation.objects.count() == 0
    response = client.post("/oncall/rotations/new/", {**form, "participants": "kim, sara", "time_zone": "UTC"})
    rotation = Rotation.objects.get()
    assert response["Location"] == f"/oncall/rotations/{rotation.slug}/"
    assert list(rotation.participants.values_list("person__slug", flat=True)) == ["kim", "sara"]


def test_another_teams_engineer_gets_403_on_the_rotations_forms(client, platform, other_team, make_rotation):
    rotation = make_rotation(platform["team"], platform["people"])
    client.force_login(other_team["people"][0].user)
    assert client.get(f"/oncall/rotations/{rotation.slug}/").status_code == 200
    assert client.get(f"/oncall/rotations/{rotation.slug}/edit/").status_code == 403
    assert client.post(f"/oncall/rotations/{rotation.slug}/", {"override-person": "park"}).status_code == 403
    assert client.post(f"/oncall/escalation/{platform['team'].slug}/", {"name": "x"}).status_code == 403


def test_an_override_and_a_swap_from_the_rotation_page(client, platform, make_rotation):
    kim, sara, ana = platform["people"]
    rotation = make_rotation(platform["team"], [kim, sara, ana], start_date=date(2026, 3, 2))
    client.force_login(kim.user)
    url = f"/oncall/rotations/{rotation.slug}/"
    bad = client.post(
        url,
        {
            "override-layer": "primary",
            "override-person": "ana",
            "override-starts_at": "2026-03-05T18:00",
            "override-ends_at": "2026-03-05T10:00",
        },
    )
    assert bad.status_code == 400 and "The override must end after it starts." in bad.content.decode()
    client.post(
        url,
        {
            "override-layer": "primary",
            "override-person": "ana",
            "override-starts_at": "2026-03-05T18:00",
            "override-ends_at": "2026-03-06T08:00",
        },
    )
    override = Override.objects.get()
    # Typed in the rotation's time zone: 18:00 in Berlin is 17:00 UTC in March.
    assert override.starts_at == datetime(2026, 3, 5, 17, tzinfo=UTC)
    client.post(
        url,
        {
            "swap-layer": "primary",
            "swap-requester_shift_start": "2026-03-02T08:00:00+00:00",
            "swap-counterpart": "ana",
            "swap-counterpart_shift_start": "2026-03-16T08:00:00+00:00",
        },
    )
    swap = SwapRequest.objects.get()
    client.force_login(ana.user)
    assert "Accept" in client.get(url).content.decode()
    client.post(f"{url}swaps/{swap.pk}/accept/")
    swap.refresh_from_db()
    assert swap.status == "accepted" and Override.objects.count() == 3


def test_a_team_gives_itself_an_escalation_policy_from_the_page(client, platform):
    client.force_login(platform["people"][0].user)
    url = f"/oncall/escalation/{platform['team'].slug}/"
    assert "No escalation policy" in client.get(url).content.decode()
    form = {
        "name": "DP escalation",
        "steps-TOTAL_FORMS": "2",
        "steps-INITIAL_FORMS": "0",
        "steps-0-kind": "primary",
        "steps-0-timeout_minutes": "15",
        "steps-1-kind": "manager",
        "steps-1-person": "alex",
        "steps-1-timeout_minutes": "",
    }
    assert client.post(url, form).status_code == 302
    policy = EscalationPolicy.objects.get(team=platform["team"])
    assert list(policy.steps.values_list("kind", "timeout_minutes")) == [("primary", 15), ("manager", 30)]


def test_the_demo_loads_rotations_the_policy_and_the_playbooks_incident_once(db):
    call_command("load_demo", stdout=StringIO())
    assert Rotation.objects.count() == 4
    assert EscalationPolicy.objects.get().team.slug == "data-infrastructure"
    incident = Incident.objects.get()
    assert incident.postmortem.status == "published"
    assert list(incident.postmortem.action_items.values_list("owner__slug", "deadline")) == [
        ("kim", date(2026, 4, 26)),
        ("lee", date(2026, 5, 3)),
        ("park", date(2026, 5, 10)),
    ]
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "oncall: 0 rows created" in out.getvalue()
