"""Postmortems (the playbook's template), their flow, R5 (SEV1 due 48 h after resolution) and R12 (action items)."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from oncall import services
from oncall.models import ActionItem, Postmortem
from portal.models import AuditEvent

STARTED = datetime(2026, 4, 19, 5, 55, tzinfo=UTC)
RESOLVED = datetime(2026, 4, 19, 7, 10, tzinfo=UTC)


@pytest.fixture
def incident(platform, owned_entities):
    with time_machine.travel(RESOLVED + timedelta(minutes=5), tick=False):
        incident = services.incident_create(
            actor=None,
            title="daily_orders_pipeline failed",
            severity="sev1",
            started_at=STARTED,
            detected_at=STARTED + timedelta(minutes=5),
            affected=[owned_entities["pipeline"], owned_entities["product"]],
        )
        services.incident_add_event(
            actor=None,
            incident=incident,
            text="Source DB schema change identified",
            at=datetime(2026, 4, 19, 6, 20, tzinfo=UTC),
        )
        services.incident_set_status(actor=None, incident=incident, status="resolved", at=RESOLVED)
    return incident


def test_a_postmortem_starts_pre_filled_with_the_playbooks_template(api_client, incident, platform):
    api_client.force_authenticate(platform["people"][0].user)
    body = api_client.post(f"/api/v1/oncall/incidents/{incident.pk}/postmortem/").json()
    assert body["status"] == "draft"
    assert "- Severity: SEV1" in body["summary"]
    assert "- Duration: 2026-04-19 05:55 - 07:10 UTC (1 hours 15 minutes)" in body["summary"]
    assert "- Affected scope: daily_orders_pipeline, fct_daily_revenue" in body["summary"]
    assert "| 2026-04-19 06:20 | Source DB schema change identified |" in body["timeline"]
    assert body["analysis"].count("Why") == 5
    assert body["due_at"] == "2026-04-21T07:10:00+00:00"
    assert api_client.post(f"/api/v1/oncall/incidents/{incident.pk}/postmortem/").json() == {
        "incident": [f"{incident.reference} already has a postmortem."]
    }


def test_draft_review_publish_and_a_published_postmortem_is_frozen(api_client, incident, platform):
    api_client.force_authenticate(platform["people"][0].user)
    pm = api_client.post(f"/api/v1/oncall/incidents/{incident.pk}/postmortem/").json()["id"]
    url = f"/api/v1/oncall/postmortems/{pm}"
    assert api_client.post(f"{url}/status/", {"status": "published"}).json() == {
        "status": ["A postmortem that is draft can move to: In review."]
    }
    missing = api_client.post(f"{url}/status/", {"status": "in_review"}).json()
    assert set(missing) == {"root_cause", "root_cause_category"}
    api_client.patch(
        url + "/",
        {
            "root_cause": "user_id INT became VARCHAR",
            "root_cause_category": "schema_change",
            "went_well": "Quick impact assessment",
        },
        format="json",
    )
    assert api_client.post(f"{url}/status/", {"status": "in_review"}).json()["status"] == "in_review"
    published = api_client.post(f"{url}/status/", {"status": "published"}).json()
    assert published["status"] == "published" and published["published_at"]
    assert api_client.patch(url + "/", {"summary": "rewrite"}, format="json").json() == {
        "status": ["A published postmortem is the record: it can no longer be edited."]
    }
    verbs = set(AuditEvent.objects.filter(verb__startswith="postmortem").values_list("verb", flat=True))
    assert verbs == {"postmortem.created", "postmortem.updated", "postmortem.in_review", "postmortem.published"}


def test_another_teams_engineer_cannot_write_the_postmortem(api_client, incident, other_team, stakeholder):
    api_client.force_authenticate(other_team["people"][0].user)
    assert api_client.post(f"/api/v1/oncall/incidents/{incident.pk}/postmortem/").status_code == 403
    api_client.force_authenticate(stakeholder)
    assert api_client.post(f"/api/v1/oncall/incidents/{incident.pk}/postmortem/").status_code == 403
    assert Postmortem.objects.count() == 0


def test_r12_an_action_item_needs_an_owner_and_a_deadline(api_client, incident, platform):
    postmortem = services.postmortem_create(actor=None, incident=incident)
    api_client.force_authenticate(platform["people"][0].user)
    response = api_client.post(
        "/api/v1/oncall/action-items/", {"postmortem": postmortem.pk, "title": "Add drift monitor"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "owner": ["R12: an action item needs an owner."],
        "deadline": ["R12: an action item needs a deadline."],
    }
    assert ActionItem.objects.count() == 0
    created = api_client.post(
        "/api/v1/oncall/action-items/",
        {"postmortem": postmortem.pk, "title": "Add drift monitor", "owner": "sara", "deadline": "2026-05-03"},
    )
    assert created.status_code == 201 and created.json()["owner"]["slug"] == "sara"


def test_the_owner_of_an_action_item_may_mark_it_done(api_client, incident, platform, other_team):
    postmortem = services.postmortem_create(actor=None, incident=incident)
    item = services.action_item_create(
        actor=None,
        postmortem=postmortem,
        title="Agree on Breaking Change process",
        owner=other_team["people"][0],
        deadline=date(2026, 5, 10),
    )
    api_client.force_authenticate(other_team["people"][1].user)
    assert api_client.patch(f"/api/v1/oncall/action-items/{item.pk}/", {"status": "done"}).status_code == 403
    api_client.force_authenticate(other_team["people"][0].user)
    done = api_client.patch(f"/api/v1/oncall/action-items/{item.pk}/", {"status": "done"}).json()
    assert done["status"] == "done" and done["done_at"]


def test_r5_a_sev1_postmortem_is_overdue_48_hours_after_resolution_and_flagged_on_the_dashboard(
    client, incident, platform
):
    client.force_login(platform["people"][0].user)
    with time_machine.travel(RESOLVED + timedelta(hours=47), tick=False):
        assert incident.reference not in client.get("/").content.decode()
    with time_machine.travel(RESOLVED + timedelta(hours=49), tick=False):
        html = client.get("/").content.decode()
        assert "Overdue postmortems and actions" in html and incident.reference in html
        postmortem = services.postmortem_create(actor=None, incident=incident)
        assert incident.reference in client.get("/").content.decode()  # a draft does not count
        postmortem.root_cause = "Schema change"
        postmortem.save()
        incident.root_cause_category = "schema_change"
        incident.save()
        services.postmortem_transition(actor=None, postmortem=postmortem, status="in_review")
        services.postmortem_transition(actor=None, postmortem=postmortem, status="published")
        assert incident.reference not in client.get("/").content.decode()


def test_a_sev2_has_no_postmortem_deadline(client, platform, owned_entities):
    with time_machine.travel(RESOLVED, tick=False):
        incident = services.incident_create(actor=None, title="Slow", severity="sev2", started_at=STARTED)
        services.incident_set_status(actor=None, incident=incident, status="resolved")
    with time_machine.travel(RESOLVED + timedelta(days=10), tick=False):
        client.force_login(platform["people"][0].user)
        assert incident.reference not in client.get("/").content.decode()


def test_r12_overdue_action_items_are_listed(client, api_client, incident, platform):
    postmortem = services.postmortem_create(actor=None, incident=incident)
    kim = platform["people"][0]
    late = services.action_item_create(
        actor=None, postmortem=postmortem, title="Schema policy", owner=kim, deadline=date(2026, 4, 26)
    )
    services.action_item_create(
        actor=None, postmortem=postmortem, title="Drift monitor", owner=kim, deadline=date(2026, 5, 3)
    )
    with time_machine.travel(datetime(2026, 4, 28, 12, tzinfo=UTC), tick=False):
        api_client.force_authenticate(kim.user)
        rows = api_client.get("/api/v1/oncall/action-items/?overdue=true").json()["results"]
        assert [r["title"] for r in rows] == ["Schema policy"]
        client.force_login(kim.user)
        page = client.get("/oncall/action-items/?overdue=true").content.decode()
        assert "Schema policy" in page and "Drift monitor" not in page and "overdue" in page
        assert "due 2026-04-26" in client.get("/").content.decode()
        services.action_item_update(actor=None, item=late, status="done")
        assert api_client.get("/api/v1/oncall/action-items/?overdue=true").json()["count"] == 0


def test_the_postmortem_pages_flow(client, incident, platform):
    kim = platform["people"][0]
    client.force_login(kim.user)
    start = client.post(f"/oncall/incidents/{incident.pk}/postmortem/start/")
    assert start["Location"] == f"/oncall/postmortems/{incident.pk}/"
    page = client.get(start["Location"]).content.decode()
    assert "Root Cause Analysis (5-Why)" in page and "Blameless Retrospective" in page
    bad = client.post(start["Location"], {"item-title": "Monitor", "item-owner": "kim", "item-deadline": ""})
    assert bad.status_code == 400 and "Deadline: This field is required." in bad.content.decode()
    client.post(start["Location"], {"item-title": "Monitor", "item-owner": "kim", "item-deadline": "2026-05-03"})
    assert ActionItem.objects.get().owner == kim
    edit = client.post(
        f"/oncall/postmortems/{incident.pk}/edit/",
        {"root_cause": "Type change", "root_cause_category": "schema_change"},
    )
    assert edit.status_code == 302
    client.post(f"/oncall/postmortems/{incident.pk}/status/", {"status": "in_review"})
    assert Postmortem.objects.get().status == "in_review"
