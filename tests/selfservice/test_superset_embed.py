"""Superset embed tokens requested over the API, run by a real Celery worker against a REAL Apache Superset."""

import os
import signal
import time
import uuid

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied

from portal.models import AuditEvent
from selfservice.actions.superset_embed import TokenGone, take_guest_token
from selfservice.connectors.base import PermanentError
from selfservice.connectors.superset import SupersetConnector
from selfservice.models import Request, RequestEvent
from tests.conftest import wait_for
from tests.selfservice.conftest import wait_for_status
from tests.selfservice.superset_server import decode_jwt, superset  # noqa: F401 - the session fixture

pytestmark = pytest.mark.integration

URL = "/api/v1/selfservice/requests/"
FAST = {"SELFSERVICE_RETRY_BACKOFF": "1", "SELFSERVICE_RETRY_BACKOFF_MAX": "2", "SELFSERVICE_MAX_RETRIES": "2"}


def embed_params(dashboard: str, **overrides) -> dict:
    params = {
        "dashboard": dashboard,
        "guest_username": "acme-viewer",
        "rls": [{"template": "tenant", "value": "acme", "dataset": 1}, {"template": "region", "value": "EMEA"}],
        "lifetime_minutes": 5,
        "team": "data-engineering",
    }
    params.update(overrides)
    return params


def submit(api_client, user, params) -> str:
    api_client.force_authenticate(user)
    response = api_client.post(URL, {"action": "superset-embed-token", "parameters": params}, format="json")
    assert response.status_code == 202, response.content
    return response["Location"]


@pytest.fixture
def superset_settings(settings, superset):  # noqa: F811
    settings.SUPERSET_URL = superset.url
    settings.SUPERSET_USERNAME = superset.username
    settings.SUPERSET_PASSWORD = superset.password
    return superset


def test_a_token_is_issued_with_the_rls_clauses_shown_once_and_never_stored(
    api_client, people, superset_settings, celery_worker_process
):
    celery_worker_process.start(env={**superset_settings.env(), **FAST})
    url = submit(api_client, people["ana"], embed_params(superset_settings.embedded_uuid))
    body = wait_for_status(api_client, url, {"succeeded", "failed"})
    assert body["status"] == "succeeded", body["last_error"]

    grant = body["outcome"]
    assert grant["dashboard"] == superset_settings.embedded_uuid
    assert grant["dashboard_id"] == superset_settings.dashboard_id
    assert grant["guest_username"] == "acme-viewer"
    assert grant["rls_rules"] == [{"clause": "tenant_id = 'acme'", "dataset": 1}, {"clause": "region = 'EMEA'"}]
    assert grant["expires_at"] > grant["issued_at"]

    request = Request.objects.get(pk=body["id"])
    token = take_guest_token(user=people["ana"], request=request)
    claims = decode_jwt(token)
    assert claims["type"] == "guest"
    assert claims["resources"] == [{"type": "dashboard", "id": superset_settings.embedded_uuid}]
    assert claims["rls_rules"] == grant["rls_rules"]
    assert claims["user"]["username"] == "acme-viewer"
    assert 0 < claims["exp"] - time.time() <= 300

    # Nowhere at rest: not in the request, its timeline, the audit trail or the cache once taken.
    assert token not in str(Request.objects.filter(pk=request.pk).values().get())
    assert not RequestEvent.objects.filter(message__contains=token).exists()
    assert not any(token in str(e.changes) + e.message for e in AuditEvent.objects.all())
    with pytest.raises(TokenGone):
        take_guest_token(user=people["ana"], request=request)
    verbs = list(AuditEvent.objects.filter(verb__startswith="selfservice.superset").values_list("verb", flat=True))
    assert sorted(verbs) == ["selfservice.superset.guest_token_collected", "selfservice.superset.guest_token_granted"]


def test_only_the_requester_collects_the_token(api_client, people, superset_settings, celery_worker_process):
    celery_worker_process.start(env={**superset_settings.env(), **FAST})
    url = submit(api_client, people["ana"], embed_params(superset_settings.embedded_uuid))
    body = wait_for_status(api_client, url, {"succeeded", "failed"})
    request = Request.objects.get(pk=body["id"])
    for other in (people["sam"], people["boss"]):  # her subteam lead and the lead see the request, not the token
        with pytest.raises(PermissionDenied):
            take_guest_token(user=other, request=request)
    assert take_guest_token(user=people["ana"], request=request).count(".") == 2
    api_client.force_authenticate(people["ben"])  # another team: the request is invisible
    assert api_client.get(url).status_code == 404


def test_bad_superset_credentials_fail_at_once_saying_so(api_client, people, superset_settings, celery_worker_process):
    celery_worker_process.start(env={**superset_settings.env(SUPERSET_PASSWORD="wrong-password"), **FAST})
    url = submit(api_client, people["ana"], embed_params(superset_settings.embedded_uuid))
    body = wait_for_status(api_client, url, {"succeeded", "failed"})
    assert body["status"] == "failed" and body["attempts"] == 1
    assert body["last_error"] == (
        "Superset refused the portal's credentials for admin (401 Not authorized): "
        "check SUPERSET_USERNAME and SUPERSET_PASSWORD."
    )
    assert cache.get(f"selfservice:superset-guest-token:{body['id']}") is None


def test_a_uuid_that_is_not_an_embedded_dashboard_fails_before_any_token(
    api_client, people, superset_settings, celery_worker_process
):
    celery_worker_process.start(env={**superset_settings.env(), **FAST})
    unknown = str(uuid.uuid4())
    url = submit(api_client, people["ana"], embed_params(unknown))
    body = wait_for_status(api_client, url, {"succeeded", "failed"})
    assert body["status"] == "failed" and body["attempts"] == 1
    assert body["last_error"].startswith(f"No dashboard is embedded with the uuid {unknown} on Superset")
    assert not AuditEvent.objects.filter(verb="selfservice.superset.guest_token_granted").exists()


def test_superset_answers_an_unknown_embedded_dashboard_with_a_clear_400(superset_settings):
    connector = SupersetConnector.from_settings()
    session = connector._session()
    body = {"user": {"username": "x"}, "resources": [{"type": "dashboard", "id": str(uuid.uuid4())}], "rls": []}
    with pytest.raises(PermanentError, match=r"\(400 EmbeddedDashboard not found\.\)"):
        connector.guest_token(session, body)


def test_a_token_living_longer_than_asked_is_refused_and_not_handed_out(
    api_client, people, superset_settings, celery_worker_process
):
    celery_worker_process.start(env={**superset_settings.env(), **FAST})
    url = submit(api_client, people["ana"], embed_params(superset_settings.embedded_uuid, lifetime_minutes=1))
    body = wait_for_status(api_client, url, {"succeeded", "failed"})
    assert body["status"] == "failed"
    assert "Superset issues guest tokens valid for 300 s" in body["last_error"]
    assert "longer than the 60 s asked for; the token was not handed out" in body["last_error"]
    assert cache.get(f"selfservice:superset-guest-token:{body['id']}") is None


def test_a_hand_written_clause_waits_for_the_team_lead_then_runs(
    api_client, people, superset_settings, celery_worker_process
):
    celery_worker_process.start(env={**superset_settings.env(), **FAST})
    params = embed_params(superset_settings.embedded_uuid, rls=[{"clause": "amount > 6", "dataset": 1}])
    url = submit(api_client, people["ana"], params)
    body = api_client.get(url).json()
    assert body["status"] == "pending_approval"
    assert body["approval_reason"] == "clauses written by hand: amount > 6"
    assert api_client.post(url + "approve/").status_code == 403  # not her own
    api_client.force_authenticate(people["sam"])
    assert api_client.post(url + "approve/", {"comment": "ok"}, format="json").status_code == 200
    body = wait_for_status(api_client, url, {"succeeded", "failed"})
    assert body["status"] == "succeeded", body["last_error"]
    assert body["outcome"]["rls_rules"] == [{"clause": "amount > 6", "dataset": 1}]


def test_a_worker_killed_mid_task_ends_with_one_grant_and_one_token(
    api_client, people, superset_settings, celery_worker_process
):
    env = {**superset_settings.env(), **FAST, "SELFSERVICE_APPLY_PAUSE": "4", "CELERY_VISIBILITY_TIMEOUT": "3"}
    worker = celery_worker_process.start(env=env)
    url = submit(api_client, people["ana"], embed_params(superset_settings.embedded_uuid))
    request_id = int(url.rstrip("/").rsplit("/", 1)[1])
    wait_for(lambda: Request.objects.get(pk=request_id).apply_started, 30, "the token to be asked for")
    time.sleep(1.5)  # inside the pause: the token was issued, nothing recorded yet
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    assert api_client.get(url).json()["status"] == "running"

    time.sleep(3.5)  # past the visibility timeout: the broker hands the message out again
    celery_worker_process.start(env=env)
    body = wait_for_status(api_client, url, {"succeeded", "failed"}, timeout=60)
    assert body["status"] == "succeeded", body["last_error"]
    assert "Delivered again after an interrupted attempt" in [e["message"] for e in body["events"]]
    assert AuditEvent.objects.filter(verb="selfservice.superset.guest_token_granted").count() == 1
    request = Request.objects.get(pk=request_id)
    token = take_guest_token(user=people["ana"], request=request)
    assert decode_jwt(token)["rls_rules"] == body["outcome"]["rls_rules"]
    with pytest.raises(TokenGone):
        take_guest_token(user=people["ana"], request=request)
