"""Incident metrics on known data: MTTR by severity against R6, by team and month, repeats, R5, R12."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from oncall import services
from oncall.models import Incident

NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)


def incident(team, severity, start, hours, category="", published_after=None):
    started = datetime(*start, tzinfo=UTC)
    with time_machine.travel(started, tick=False):
        item = services.incident_create(
            actor=None,
            title=f"{severity} {start}",
            severity=severity,
            team=team,
            started_at=started,
            root_cause_category=category,
        )
        services.incident_set_status(actor=None, incident=item, status="resolved", at=started + timedelta(hours=hours))
    if published_after is not None:
        postmortem = services.postmortem_create(actor=None, incident=item)
        postmortem.root_cause = "x"
        postmortem.save()
        with time_machine.travel(item.resolved_at + published_after, tick=False):
            services.postmortem_transition(actor=None, postmortem=postmortem, status="in_review")
            services.postmortem_transition(actor=None, postmortem=postmortem, status="published")
    return item


@pytest.fixture
def known(platform, other_team):
    dp, ml = platform["team"], other_team["team"]
    first = incident(dp, "sev1", (2026, 4, 1, 6), 1, "schema_change", published_after=timedelta(hours=24))
    incident(dp, "sev1", (2026, 5, 10, 6), 3, "schema_change", published_after=timedelta(hours=72))  # a repeat
    incident(ml, "sev2", (2026, 5, 12, 6), 6, "infrastructure")
    incident(ml, "sev2", (2026, 5, 20, 6), 12, "code_change")
    incident(dp, "sev3", (2026, 6, 1, 6), 30, "schema_change")  # a repeat (within 90 days of May 10)
    postmortem = first.postmortem
    kim = platform["people"][0]
    services.action_item_create(actor=None, postmortem=postmortem, title="done", owner=kim, deadline=date(2026, 4, 20))
    item = services.action_item_create(
        actor=None, postmortem=postmortem, title="late", owner=kim, deadline=date(2026, 4, 25)
    )
    services.action_item_update(actor=None, item=postmortem.action_items.get(title="done"), status="done")
    services.action_item_create(actor=None, postmortem=postmortem, title="open", owner=kim, deadline=date(2026, 7, 9))
    return {"late": item}


def test_metrics_on_known_data(api_client, known, stakeholder):
    api_client.force_authenticate(stakeholder)
    with time_machine.travel(NOW, tick=False):
        m = api_client.get("/api/v1/oncall/metrics/", {"since": "2026-01-01T00:00:00Z"}).json()
    assert m["incidents"] == 5
    mttr = {row["severity"]: row for row in m["mttr"]}
    assert mttr["sev1"] == {
        "severity": "sev1",
        "resolved": 2,
        "mttr_seconds": 7200.0,
        "target_seconds": 7200.0,
        "meets_target": True,
    }
    assert (mttr["sev2"]["mttr_seconds"], mttr["sev2"]["meets_target"]) == (9 * 3600, False)
    assert mttr["sev3"]["target_seconds"] is None and mttr["sev3"]["meets_target"] is None
    assert m["by_team_month"] == [
        {"month": "2026-04-01", "team": "Data Platform", "incidents": 1},
        {"month": "2026-05-01", "team": "Data Platform", "incidents": 1},
        {"month": "2026-05-01", "team": "Mlops", "incidents": 2},
        {"month": "2026-06-01", "team": "Data Platform", "incidents": 1},
    ]
    assert m["repeat_incidents"] == {"total": 5, "count": 2, "rate": 0.4}
    assert m["postmortems_on_time"] == {"total": 2, "count": 1, "rate": 0.5}
    assert m["action_items_done"] == {"total": 3, "count": 1, "rate": 1 / 3}
    assert m["action_items_overdue"] == 1


def test_the_metrics_are_filtered_by_team_and_window(api_client, known, stakeholder):
    api_client.force_authenticate(stakeholder)
    with time_machine.travel(NOW, tick=False):
        m = api_client.get("/api/v1/oncall/metrics/", {"team": "mlops", "since": "2026-01-01T00:00:00Z"}).json()
        assert m["incidents"] == 2 and m["repeat_incidents"]["count"] == 0
        assert api_client.get("/api/v1/oncall/metrics/", {"since": "2026-07-01T00:00:00Z"}).json() == {
            "since": ["Must be before until."]
        }


def test_the_incidents_dashboard_shows_the_figures(client, known, platform):
    client.force_login(platform["people"][0].user)
    with time_machine.travel(NOW, tick=False):
        html = client.get("/oncall/incidents/metrics/").content.decode()
    assert "MTTR by severity (R6)" in html
    assert "2 h" in html and "9 h" in html and "missed" in html
    assert "40 % (2 of 5)" in html and "above target" in html
    assert "50 % (1 of 2)" in html
    assert Incident.objects.count() == 5
