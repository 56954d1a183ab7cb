"""R4: Primary -> Secondary -> Domain expert -> Manager, each paged until its timeout passes unacknowledged."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from oncall import rules, services
from oncall.models import EscalationPolicy
from portal.models import AuditEvent

NOW = datetime(2026, 3, 4, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def setup(platform, make_rotation):
    """The lead's default policy on the root team; Data Platform's rotation with a secondary."""
    make_rotation(platform["team"], platform["people"], start_date=date(2026, 3, 2), has_secondary=True)
    policy = services.escalation_policy_save(actor=None, team=platform["root"])
    return {**platform, "policy": policy}


def test_the_default_policy_is_the_playbooks_four_steps_of_30_minutes(setup):
    steps = list(setup["policy"].steps.values_list("kind", "timeout_minutes"))
    assert steps == [("primary", 30), ("secondary", 30), ("domain_expert", 30), ("manager", 30)]


@pytest.mark.parametrize(("minutes", "step"), [(0, 0), (29, 0), (30, 1), (59, 1), (60, 2), (90, 3), (600, 3)])
def test_the_step_reached_after_some_time_unacknowledged(minutes, step):
    assert rules.escalation_step_at([30, 30, 30, 30], timedelta(minutes=minutes)) == step


def test_a_policy_with_custom_timeouts_escalates_on_its_own_clock():
    assert rules.escalation_step_at([5, 60], timedelta(minutes=6)) == 1
    assert rules.escalation_step_window([5, 60, 10], 1) == (timedelta(minutes=5), timedelta(minutes=65))


def test_who_do_i_page_walks_the_steps_for_a_subteam_using_the_leads_policy(api_client, setup, stakeholder):
    api_client.force_authenticate(stakeholder)
    since = (NOW - timedelta(minutes=45)).isoformat()
    answer = api_client.get("/api/v1/oncall/page/", {"team": "data-platform", "since": since}).json()
    assert answer["policy"] == "Data Infrastructure escalation"
    assert (answer["step"], answer["kind"], answer["person"]["slug"]) == (2, "secondary", "sara")
    assert answer["escalates_at"] == "2026-03-04T12:15:00Z"
    steps = [api_client.get("/api/v1/oncall/page/", {"team": "data-platform", "step": n}).json() for n in (1, 2, 3, 4)]
    # No subteam lead: the nearest lead stands in as domain expert; the manager is the lead.
    assert [s["person"]["slug"] for s in steps] == ["kim", "sara", "alex", "alex"]
    assert steps[0]["pages_from"] == "2026-03-04T12:00:00Z" and steps[0]["escalates_at"] == "2026-03-04T12:30:00Z"


def test_the_primary_answers_at_the_time_asked(api_client, setup, stakeholder):
    api_client.force_authenticate(stakeholder)
    answer = api_client.get("/api/v1/oncall/page/", {"team": "data-platform", "at": "2026-03-10T12:00:00Z"}).json()
    assert answer["person"]["slug"] == "sara"


def test_bad_page_questions_name_the_parameter(api_client, setup, stakeholder):
    api_client.force_authenticate(stakeholder)
    assert api_client.get("/api/v1/oncall/page/").json() == {
        "team": ["Name the team (its slug), e.g. ?team=data-platform."]
    }
    assert "step" in api_client.get("/api/v1/oncall/page/", {"team": "data-platform", "step": "0"}).json()
    future = (NOW + timedelta(hours=1)).isoformat()
    assert "since" in api_client.get("/api/v1/oncall/page/", {"team": "data-platform", "since": future}).json()


def test_a_team_writes_its_own_policy_but_not_anothers(api_client, setup, other_team, stakeholder):
    kim = setup["people"][0]
    body = {
        "team": "data-platform",
        "name": "DP",
        "steps": [
            {"kind": "primary", "timeout_minutes": 10},
            {"kind": "manager", "person": "alex", "timeout_minutes": 20},
        ],
    }
    api_client.force_authenticate(other_team["people"][0].user)
    assert api_client.post("/api/v1/oncall/escalation-policies/", body, format="json").status_code == 403
    api_client.force_authenticate(stakeholder)
    assert api_client.post("/api/v1/oncall/escalation-policies/", body, format="json").status_code == 403
    api_client.force_authenticate(kim.user)
    bad = {**body, "steps": [{"kind": "primary", "timeout_minutes": 0}]}
    assert api_client.post("/api/v1/oncall/escalation-policies/", bad, format="json").status_code == 400
    assert not EscalationPolicy.objects.filter(team=setup["team"]).exists()
    response = api_client.post("/api/v1/oncall/escalation-policies/", body, format="json")
    assert response.status_code == 201
    assert [s["timeout_minutes"] for s in response.json()["steps"]] == [10, 20]
    assert AuditEvent.objects.filter(verb="escalation_policy.created", actor=kim.user).exists()
    # Its own policy now wins over the lead's: step 2 after 15 minutes is the manager.
    since = (NOW - timedelta(minutes=15)).isoformat()
    answer = api_client.get("/api/v1/oncall/page/", {"team": "data-platform", "since": since}).json()
    assert (answer["step"], answer["person"]["slug"]) == (2, "alex")
