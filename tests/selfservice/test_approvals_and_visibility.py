"""Approvals, self-approval, idempotency replays, cancel and who may see a request (API and pages)."""

import pytest

from portal.models import AuditEvent
from selfservice.models import Request
from tests.selfservice.conftest import topic_params

URL = "/api/v1/selfservice/requests/"


@pytest.fixture
def big_request(api_client, people, kafka):
    """A request the policy holds for approval: 24 partitions."""
    api_client.force_authenticate(people["ana"])
    response = api_client.post(URL, {"action": "kafka-topic", "parameters": topic_params(partitions=24)}, format="json")
    assert response.status_code == 202
    api_client.force_authenticate(None)
    return Request.objects.get(pk=response.json()["id"])


def test_a_large_topic_waits_for_the_team_leads_approval(big_request):
    assert big_request.status == "pending_approval"
    assert big_request.approval_reason == "24 partitions is above 12"


def test_nobody_approves_their_own_request(api_client, people, big_request):
    api_client.force_authenticate(people["ana"])
    response = api_client.post(f"{URL}{big_request.pk}/approve/", {"comment": "lgtm"}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "Nobody approves their own request."
    assert Request.objects.get(pk=big_request.pk).status == "pending_approval"


def test_an_engineer_of_another_team_does_not_even_see_it(api_client, people, big_request):
    api_client.force_authenticate(people["ben"])
    assert api_client.post(f"{URL}{big_request.pk}/approve/", {}, format="json").status_code == 404
    assert api_client.get(f"{URL}{big_request.pk}/").status_code == 404
    assert api_client.get(URL).json()["count"] == 0


def test_a_stakeholder_does_not_see_it(api_client, people, big_request):
    api_client.force_authenticate(people["sue"])
    assert api_client.get(f"{URL}{big_request.pk}/").status_code == 404


def test_the_subteam_lead_approves_with_a_comment_and_it_is_queued(
    api_client, people, big_request, django_capture_on_commit_callbacks
):
    api_client.force_authenticate(people["sam"])
    with django_capture_on_commit_callbacks() as callbacks:
        response = api_client.post(f"{URL}{big_request.pk}/approve/", {"comment": "ok for CDC"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "queued" and body["decided_by"] == "sam" and body["decision_comment"] == "ok for CDC"
    assert [e["to_status"] for e in body["events"] if e["to_status"]] == [
        "submitted",
        "pending_approval",
        "approved",
        "queued",
    ]
    assert len(callbacks) == 1  # enqueued once, after the commit
    assert AuditEvent.objects.filter(verb="selfservice.request.approved", actor_repr="sam").exists()


def test_a_teammate_who_is_not_a_lead_cannot_approve(api_client, people, make_user, big_request):
    from catalog import services as catalog_services

    other = make_user("cat")
    person = catalog_services.person_create(actor=None, full_name="Cat", user=other)
    catalog_services.membership_set(actor=None, team=people["de"], person=person)
    api_client.force_authenticate(other)
    response = api_client.post(f"{URL}{big_request.pk}/approve/", {}, format="json")
    assert response.status_code == 403
    assert "Only a lead of Data Engineering" in response.json()["detail"]


def test_rejecting_needs_a_comment(api_client, people, big_request):
    api_client.force_authenticate(people["boss"])
    response = api_client.post(f"{URL}{big_request.pk}/reject/", {"comment": ""}, format="json")
    assert response.status_code == 400 and response.json() == {"comment": ["Say why the request is rejected."]}
    response = api_client.post(f"{URL}{big_request.pk}/reject/", {"comment": "use 12 partitions"}, format="json")
    assert response.json()["status"] == "rejected"
    # A decision is final: approving after rejecting is refused.
    response = api_client.post(f"{URL}{big_request.pk}/approve/", {}, format="json")
    assert response.status_code == 400 and "cannot become approved" in response.json()["status"][0]


def test_the_requester_cancels_until_it_runs(api_client, people, big_request):
    api_client.force_authenticate(people["ben"])
    assert api_client.post(f"{URL}{big_request.pk}/cancel/").status_code == 404
    api_client.force_authenticate(people["ana"])
    assert api_client.post(f"{URL}{big_request.pk}/cancel/").json()["status"] == "cancelled"
    response = api_client.post(f"{URL}{big_request.pk}/cancel/")
    assert response.status_code == 400
    assert response.json() == {"status": ["A cancelled request can no longer be cancelled."]}


def test_an_idempotency_key_replay_returns_the_same_request(api_client, people, kafka):
    api_client.force_authenticate(people["ana"])
    payload = {"action": "kafka-topic", "parameters": topic_params()}
    first = api_client.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="ci-run-42")
    again = api_client.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="ci-run-42")
    assert first.status_code == 202 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"] and again["Idempotent-Replayed"] == "true"
    assert Request.objects.count() == 1
    other = api_client.post(
        URL,
        {"action": "kafka-topic", "parameters": topic_params(name="orders.cdc.v2")},
        format="json",
        HTTP_IDEMPOTENCY_KEY="ci-run-42",
    )
    assert other.status_code == 400
    assert other.json() == {
        "idempotency_key": [f"This key was already used for request #{first.json()['id']} with other parameters."]
    }
    # Keys belong to their user: the same key from someone else makes a new request.
    api_client.force_authenticate(people["sam"])
    assert api_client.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="ci-run-42").status_code == 202


def test_the_answer_to_a_submit_is_the_request_as_it_reads_back(api_client, people, kafka):
    """The submit answers from what it wrote, without reading the request again: it must not differ from a GET."""
    api_client.force_authenticate(people["ana"])
    held = api_client.post(URL, {"action": "kafka-topic", "parameters": topic_params(partitions=24)}, format="json")
    assert held.status_code == 202
    assert held.json()["status"] == "pending_approval"
    assert [e["to_status"] for e in held.json()["events"]] == ["submitted", "pending_approval"]
    assert held.json() == api_client.get(held["Location"]).json()

    payload = {"action": "kafka-topic", "parameters": topic_params(name="orders.cdc.v3")}
    queued = api_client.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="deploy-7")
    assert queued.status_code == 202 and queued.json()["status"] == "queued"
    assert [e["to_status"] for e in queued.json()["events"]] == ["submitted", "queued"]
    assert queued.json() == api_client.get(queued["Location"]).json()
    replayed = api_client.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="deploy-7")
    assert replayed.status_code == 200 and replayed.json() == queued.json()


def test_a_requests_representation_is_what_drfs_generic_path_gives(people, big_request):
    """RequestSerializer builds its answer by hand for speed: field for field, it must be DRF's own."""
    from django.utils import timezone
    from rest_framework.request import Request as ApiRequest
    from rest_framework.serializers import ModelSerializer
    from rest_framework.test import APIRequestFactory

    from selfservice.api.serializers import RequestListSerializer, RequestSerializer

    now = timezone.now()
    outcome = {"ref": "orders.cdc.v1", "created": True, "configs": {"retention.ms": "1"}}
    finished = {"status": "failed", "last_error": "boom", "started_at": now, "finished_at": now, "attempts": 2}
    Request.objects.filter(pk=big_request.pk).update(decided_by=people["sam"], outcome=outcome, **finished)
    plain = Request.objects.create(action="kafka-topic", requester=people["ana"], team=people["de"], parameters={})
    api_request = ApiRequest(APIRequestFactory().get("/", HTTP_HOST="127.0.0.1"))
    for obj in Request.objects.filter(pk__in=[big_request.pk, plain.pk]).prefetch_related("events"):
        for serializer_class in (RequestSerializer, RequestListSerializer):
            for context in ({"request": api_request}, {"request": api_request, "format": "json"}):
                serializer = serializer_class(obj, context=context)
                assert serializer.data == ModelSerializer.to_representation(serializer, obj)
    assert (
        serializer_class(plain, context={"request": api_request})
        .data["url"]
        .startswith("http://127.0.0.1/api/v1/selfservice/requests/")
    )


def test_submits_reuse_the_plans_of_their_writes(api_client, people, kafka):
    """The submit's statements are prepared on the server (portal/prepared.py): planned once per connection."""
    from django.db import connection

    api_client.force_authenticate(people["ana"])
    for n in range(3):
        payload = {"action": "kafka-topic", "parameters": topic_params(name=f"orders.cdc.v{n + 1}")}
        assert api_client.post(URL, payload, format="json").status_code == 202
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        plans = {sql: count for sql, count in cursor.fetchall() if 'INSERT INTO "selfservice_request"' in sql}
    assert plans and max(plans.values()) >= 2  # one plan, used by the later submits


def test_the_list_filters_by_status_and_the_lead_sees_everything(api_client, people, big_request):
    api_client.force_authenticate(people["boss"])
    assert api_client.get(URL + "?status=pending_approval").json()["count"] == 1
    assert api_client.get(URL + "?status=succeeded").json()["count"] == 0
    api_client.force_authenticate(people["sam"])  # same team
    assert api_client.get(URL).json()["count"] == 1


def test_the_request_list_uses_a_constant_number_of_queries(api_client, people, kafka):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api_client.force_authenticate(people["ana"])
    api_client.get(URL)  # the first request also reads the user's roles and teams once
    for i in range(5):
        Request.objects.create(action="kafka-topic", requester=people["ana"], team=people["de"], parameters={"i": i})
    # One page holds both (a full page also counts its rows: FirstPageFirstPaginator).
    with CaptureQueriesContext(connection) as five:
        assert api_client.get(URL, {"page_size": 100}).json()["count"] == 5
    for i in range(45):
        Request.objects.create(action="kafka-topic", requester=people["ana"], team=people["de"], parameters={"i": i})
    with CaptureQueriesContext(connection) as fifty:
        assert api_client.get(URL, {"page_size": 100}).json()["count"] == 50
    assert len(five) == len(fifty)


def test_approvers_decide_on_the_request_page(client, people, big_request):
    client.force_login(people["sam"])
    page = client.get(f"/selfservice/requests/{big_request.pk}/")
    assert "Your decision" in page.content.decode()
    response = client.post(
        f"/selfservice/requests/{big_request.pk}/decide/", {"decision": "reject", "comment": "too big"}, follow=True
    )
    assert "Rejected." in response.content.decode()
    assert Request.objects.get(pk=big_request.pk).status == "rejected"


def test_the_request_page_is_404_for_outsiders_and_polls_while_unfinished(client, people, big_request):
    client.force_login(people["ben"])
    assert client.get(f"/selfservice/requests/{big_request.pk}/").status_code == 404
    client.force_login(people["ana"])
    html = client.get(f"/selfservice/requests/{big_request.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in html
    fragment = client.get(f"/selfservice/requests/{big_request.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert fragment.startswith('<div id="request-live"') and "<html" not in fragment


def test_a_result_is_owned_by_the_teams_lead_and_the_team(people):
    """Accountable: the team's subteam lead or lead, else the lead of the team above, else the team itself."""
    from catalog.choices import MembershipRole
    from catalog.models import Membership
    from selfservice.actions.base import team_owners

    def owners(team):
        return [(o.role, str(o.party)) for o in team_owners(team)]

    assert owners(people["de"]) == [("A", "Sam"), ("R", "Data Engineering")]
    assert owners(people["dp"]) == [("A", "Boss"), ("R", "Data Platform")]  # no lead of its own
    Membership.objects.filter(role=MembershipRole.LEAD).delete()
    assert owners(people["dp"]) == [("A", "Data Platform"), ("R", "Data Platform")]
