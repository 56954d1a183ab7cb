"""The audit trail: one mechanism for model changes and domain events; who sees what."""

from catalog.models import Team
from portal import audit
from portal.models import AuditEvent


def test_record_change_keeps_who_what_and_the_before_and_after(engineer, db):
    team = Team.objects.create(name="Data Platform", slug="data-platform")
    before = audit.snapshot(team)
    team.email = "dp@example.com"
    team.save()
    event = audit.record_change(actor=engineer, verb="team.updated", instance=team, before=before)
    assert event.actor_repr == "eng1"
    assert event.target_repr == "Data Platform"
    assert event.changes == {"email": ["", "dp@example.com"]}
    assert list(audit.events_for(team)) == [event]


def test_events_survive_the_deletion_of_their_actor(engineer, db):
    audit.record(actor=engineer, verb="something.happened", message="hello")
    engineer.delete()
    event = AuditEvent.objects.get()
    assert event.actor is None and event.actor_repr == "eng1"


def test_a_lead_sees_every_event_and_an_engineer_only_their_own(client, lead, engineer):
    audit.record(actor=lead, verb="lead.did")
    audit.record(actor=engineer, verb="engineer.did")
    client.force_login(engineer)
    html = client.get("/audit/").content.decode()
    assert "engineer.did" in html and "lead.did" not in html
    client.force_login(lead)
    html = client.get("/audit/").content.decode()
    assert "engineer.did" in html and "lead.did" in html


def test_the_audit_list_filters_by_verb(client, lead):
    audit.record(actor=lead, verb="token.created")
    audit.record(actor=lead, verb="team.updated")
    client.force_login(lead)
    html = client.get("/audit/?verb=team").content.decode()
    assert "team.updated" in html and "token.created" not in html


def test_the_audit_api_applies_the_same_visibility(api_client, lead, engineer):
    audit.record(actor=lead, verb="lead.did")
    audit.record(actor=engineer, verb="engineer.did")
    api_client.force_authenticate(engineer)
    body = api_client.get("/api/v1/audit/").json()
    assert [e["verb"] for e in body["results"]] == ["engineer.did"]
    api_client.force_authenticate(lead)
    assert api_client.get("/api/v1/audit/").json()["count"] == 2


def test_the_audit_api_rejects_a_bad_filter_value_naming_the_field(api_client, lead):
    api_client.force_authenticate(lead)
    response = api_client.get("/api/v1/audit/?since=yesterday")
    assert response.status_code == 400
    assert "since" in response.json()


def test_nobody_edits_the_trail_from_the_admin(client, make_user, db):
    admin_user = make_user("root", role=None, is_staff=True, is_superuser=True)
    event = audit.record(actor=admin_user, verb="x.y")
    client.force_login(admin_user)
    assert client.post(f"/admin/portal/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
