"""Incidents from the API and the pages: defaults, the status flow, the timeline, permissions, query counts."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.test import RequestFactory

from oncall import services
from oncall.models import Incident, IncidentEvent
from portal import slots
from portal.models import AuditEvent

NOW = datetime(2026, 4, 19, 6, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def oncall(platform, make_rotation, owned_entities):
    make_rotation(platform["team"], platform["people"], start_date=date(2026, 4, 13), has_secondary=True)
    return {**platform, **owned_entities}


def declare(api_client, **extra):
    body = {"title": "daily_orders_pipeline failed", "severity": "sev1", "affected": ["daily-orders-pipeline"], **extra}
    return api_client.post("/api/v1/oncall/incidents/", body, format="json")


def test_an_incident_defaults_to_the_owning_team_and_its_primary_on_call_as_commander(api_client, oncall, other_team):
    api_client.force_authenticate(other_team["people"][0].user)  # anyone may declare, even from another team
    response = declare(api_client)
    assert response.status_code == 201
    body = response.json()
    assert body["team"] == "data-platform" and body["commander"]["slug"] == "kim"
    assert body["status"] == "investigating" and body["started_at"] == "2026-04-19T06:00:00Z"
    assert body["severity_definition"].startswith("Executive dashboard/reporting incorrect or missing")
    assert [e["kind"] for e in body["events"]] == ["declared"]
    assert AuditEvent.objects.filter(verb="incident.created").count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "", "severity": "sev1"}, "title"),
        ({"title": "x", "severity": "sev9"}, "severity"),
        ({"title": "x", "severity": "sev2", "affected": ["no-such-thing"]}, "affected"),
        (
            {"title": "x", "severity": "sev2", "started_at": "2026-04-19T05:00Z", "detected_at": "2026-04-19T04:00Z"},
            "detected_at",
        ),
    ],
)
def test_bad_incident_input_names_the_field_and_writes_nothing(api_client, oncall, body, field):
    api_client.force_authenticate(oncall["people"][0].user)
    response = api_client.post("/api/v1/oncall/incidents/", body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert Incident.objects.count() == 0 and IncidentEvent.objects.count() == 0
    assert not AuditEvent.objects.filter(verb__startswith="incident").exists()


def test_the_status_flow_stamps_times_and_fills_the_timeline(api_client, oncall):
    api_client.force_authenticate(oncall["people"][1].user)
    incident_id = declare(api_client).json()["id"]
    url = f"/api/v1/oncall/incidents/{incident_id}"
    acknowledged = api_client.post(f"{url}/acknowledge/", {"at": "2026-04-19T06:05:00Z"}, format="json")
    assert acknowledged.json()["acknowledged_at"] == "2026-04-19T06:05:00Z"
    assert api_client.post(f"{url}/acknowledge/").status_code == 400
    api_client.post(f"{url}/events/", {"text": "Source DB schema change identified", "at": "2026-04-19T06:20:00Z"})
    api_client.post(f"{url}/status/", {"status": "mitigated", "at": "2026-04-19T06:45:00Z"}, format="json")
    resolved = api_client.post(
        f"{url}/status/", {"status": "resolved", "at": "2026-04-19T07:10:00Z", "note": "verified"}, format="json"
    ).json()
    assert (resolved["mitigated_at"], resolved["resolved_at"]) == ("2026-04-19T06:45:00Z", "2026-04-19T07:10:00Z")
    assert [e["text"] for e in resolved["events"]][1:] == [
        "Acknowledged by Sara Doe",
        "Source DB schema change identified",
        "Status Investigating → Mitigated",
        "Status Mitigated → Resolved: verified",
    ]
    refused = api_client.post(f"{url}/status/", {"status": "identified"}, format="json")
    assert refused.json() == {"status": ["A resolved incident can only be reopened (investigating)."]}
    reopened = api_client.post(f"{url}/status/", {"status": "investigating"}, format="json").json()
    assert reopened["resolved_at"] is None and reopened["mitigated_at"] is None


def test_a_resolution_before_the_start_is_refused(api_client, oncall):
    api_client.force_authenticate(oncall["people"][0].user)
    incident_id = declare(api_client).json()["id"]
    response = api_client.post(
        f"/api/v1/oncall/incidents/{incident_id}/status/",
        {"status": "resolved", "at": "2026-04-19T05:00Z"},
        format="json",
    )
    assert response.json() == {"at": ["Cannot be before the incident was detected (2026-04-19 06:00 UTC)."]}
    assert Incident.objects.get().status == "investigating"


def test_stakeholders_read_incidents_but_do_not_declare_or_change_them(api_client, oncall, stakeholder):
    api_client.force_authenticate(oncall["people"][0].user)
    incident_id = declare(api_client).json()["id"]
    api_client.force_authenticate(stakeholder)
    assert api_client.get(f"/api/v1/oncall/incidents/{incident_id}/").status_code == 200
    assert declare(api_client).status_code == 403
    assert (
        api_client.patch(f"/api/v1/oncall/incidents/{incident_id}/", {"title": "x"}, format="json").status_code == 403
    )
    assert api_client.post(f"/api/v1/oncall/incidents/{incident_id}/status/", {"status": "resolved"}).status_code == 403


def test_another_teams_engineer_gets_403_but_the_commander_and_the_lead_may_edit(api_client, oncall, other_team, lead):
    creator = oncall["people"][1]
    api_client.force_authenticate(creator.user)
    incident_id = declare(api_client, commander="park").json()["id"]
    url = f"/api/v1/oncall/incidents/{incident_id}/"
    api_client.force_authenticate(other_team["people"][1].user)  # priya: other team, not the commander
    assert api_client.patch(url, {"severity": "sev2"}, format="json").status_code == 403
    api_client.force_authenticate(other_team["people"][0].user)  # park: the commander
    assert api_client.patch(url, {"severity": "sev2"}, format="json").json()["severity"] == "sev2"
    api_client.force_authenticate(lead)
    assert api_client.patch(url, {"title": "Orders late"}, format="json").json()["title"] == "Orders late"
    assert "Severity SEV1 → SEV2" in [e.text for e in IncidentEvent.objects.all()]


@pytest.mark.parametrize("count", [5, 50])
def test_the_incident_list_takes_the_same_queries_for_5_or_50(api_client, oncall, count, django_assert_num_queries):
    for i in range(count):
        services.incident_create(
            actor=None,
            title=f"I{i}",
            severity="sev3",
            affected=[oncall["pipeline"]],
            team=oncall["team"],
            commander=oncall["people"][0],
        )
    api_client.force_authenticate(oncall["people"][0].user)
    # incidents with team, commander and postmortem, affected; no count: they fit on the first page
    with django_assert_num_queries(2):
        response = api_client.get("/api/v1/oncall/incidents/?page_size=100")
    assert response.json()["count"] == count


@pytest.mark.parametrize("count", [5, 50])
def test_the_incident_page_list_takes_the_same_queries(client, oncall, count, django_assert_max_num_queries):
    for i in range(count):
        services.incident_create(
            actor=None,
            title=f"I{i}",
            severity="sev2",
            affected=[oncall["product"]],
            team=oncall["team"],
            commander=oncall["people"][0],
        )
    client.force_login(oncall["people"][0].user)
    with django_assert_max_num_queries(8):
        response = client.get("/oncall/incidents/")
    assert response.content.decode().count("<tr>") == count + 1


def test_the_stakeholder_page_slot_shows_the_primary_and_the_open_incident(oncall, stakeholder):
    incident = services.incident_create(
        actor=None, title="Revenue stale", severity="sev1", affected=[oncall["product"]]
    )
    request = RequestFactory().get("/")
    request.user = stakeholder
    html = "".join(item["html"] for item in slots.render(slots.STAKEHOLDER_PAGE, request, oncall["product"]))
    assert "Kim Doe" in html and "Open incident:" in html and incident.reference in html
    services.incident_set_status(actor=None, incident=incident, status="resolved")
    html = "".join(item["html"] for item in slots.render(slots.STAKEHOLDER_PAGE, request, oncall["product"]))
    assert "Open incident:" not in html and "no open incident" in html


def test_the_team_page_slot_shows_who_is_on_call(oncall, stakeholder):
    request = RequestFactory().get("/")
    request.user = stakeholder
    html = "".join(item["html"] for item in slots.render(slots.TEAM_PAGE, request, oncall["team"]))
    assert "Kim Doe" in html and "Sara Doe" in html


def test_declaring_from_the_page_shows_the_severity_definitions_and_field_errors(client, oncall):
    client.force_login(oncall["people"][0].user)
    page = client.get("/oncall/incidents/new/").content.decode()
    assert "Key business datasets delayed" in page
    bad = client.post("/oncall/incidents/new/", {"title": "x", "severity": "sev2", "affected": "nope"})
    assert bad.status_code == 400
    assert "Affected: No service or data product with the slug: nope." in bad.content.decode()
    ok = client.post(
        "/oncall/incidents/new/", {"title": "Orders late", "severity": "sev2", "affected": "daily-orders-pipeline"}
    )
    incident = Incident.objects.get()
    assert ok.status_code == 302 and ok["Location"] == f"/oncall/incidents/{incident.pk}/"
    detail = client.get(ok["Location"]).content.decode()
    assert "Kim Doe" in detail and "Acknowledge" in detail
    client.post(f"/oncall/incidents/{incident.pk}/acknowledge/")
    client.post(f"/oncall/incidents/{incident.pk}/status/", {"status": "resolved"})
    incident.refresh_from_db()
    assert incident.status == "resolved" and incident.acknowledged_at == NOW
    assert timedelta(0) == incident.resolved_at - NOW
