"""Following a merge request after the request succeeded: GitLab's webhook (secret checked) and the poller."""

import pytest

from portal.models import AuditEvent
from selfservice.choices import RequestStatus
from selfservice.models import Request
from selfservice.tasks_gitlab import follow_merge_requests
from tests.selfservice.gitlab_fixtures import PROJECT, fake_gitlab_fixture, mr_params  # noqa: F401 (a fixture)

HOOK = "/api/v1/selfservice/gitlab/webhook/"
SECRET = "hook-secret-1"  # noqa: S105


@pytest.fixture
def opened(people, fake_gitlab, settings):
    """A succeeded gitlab-mr request whose MR !1 is open in the fake GitLab."""
    from selfservice.connectors.gitlab import GitLabConnector

    settings.GITLAB_WEBHOOK_SECRET = SECRET
    request = Request.objects.create(
        action="gitlab-mr", parameters=mr_params(), requester=people["ana"], team=people["de"], status="succeeded"
    )
    outcome = GitLabConnector.from_settings().apply_for(request.pk, mr_params(), own_earlier_attempt=False)
    request.outcome = {"ref": outcome.ref, "created": True, **outcome.details}
    request.save()
    return request


def event(state: str, iid: int = 1, project: str = PROJECT) -> dict:
    return {
        "object_kind": "merge_request",
        "event_type": "merge_request",
        "project": {"path_with_namespace": project},
        "object_attributes": {"iid": iid, "state": state, "action": "merge", "detailed_merge_status": "not_open"},
    }


def test_a_webhook_with_a_wrong_or_missing_token_is_refused_and_changes_nothing(client, opened):
    assert client.post(HOOK, event("merged"), content_type="application/json").status_code == 401
    wrong = client.post(HOOK, event("merged"), content_type="application/json", HTTP_X_GITLAB_TOKEN="nope")
    assert wrong.status_code == 401
    opened.refresh_from_db()
    assert opened.outcome["mr_state"] == "opened"


def test_without_a_configured_secret_the_webhook_accepts_nothing(client, opened, settings):
    settings.GITLAB_WEBHOOK_SECRET = ""
    response = client.post(HOOK, event("merged"), content_type="application/json", HTTP_X_GITLAB_TOKEN="")
    assert response.status_code == 403


def test_a_merge_event_lands_on_the_request_once_with_its_timeline_and_audit(client, opened):
    response = client.post(HOOK, event("merged"), content_type="application/json", HTTP_X_GITLAB_TOKEN=SECRET)
    assert response.status_code == 200 and response.json()["updated"] is True
    opened.refresh_from_db()
    assert opened.outcome["mr_state"] == "merged" and opened.status == RequestStatus.SUCCEEDED
    assert opened.events.filter(message="Merge request !1 is now merged (GitLab webhook)").count() == 1
    assert AuditEvent.objects.filter(verb="selfservice.request.mr_merged", target_id=str(opened.pk)).count() == 1
    again = client.post(HOOK, event("merged"), content_type="application/json", HTTP_X_GITLAB_TOKEN=SECRET)
    assert again.json()["updated"] is False  # GitLab redelivers: nothing twice
    late = client.post(HOOK, event("opened"), content_type="application/json", HTTP_X_GITLAB_TOKEN=SECRET)
    assert late.json()["updated"] is False  # an out-of-order event does not reopen it
    assert opened.events.filter(message__startswith="Merge request").count() == 1


def test_events_of_other_mrs_and_other_kinds_are_acknowledged_and_ignored(client, opened):
    other = client.post(HOOK, event("merged", iid=9), content_type="application/json", HTTP_X_GITLAB_TOKEN=SECRET)
    assert other.status_code == 200 and other.json()["updated"] is False
    push = client.post(HOOK, {"object_kind": "push"}, content_type="application/json", HTTP_X_GITLAB_TOKEN=SECRET)
    assert push.status_code == 200 and push.json()["updated"] is False
    bad = client.post(
        HOOK, {"object_kind": "merge_request"}, content_type="application/json", HTTP_X_GITLAB_TOKEN=SECRET
    )
    assert bad.status_code == 400
    opened.refresh_from_db()
    assert opened.outcome["mr_state"] == "opened"


def test_the_periodic_follower_reads_the_state_from_gitlab(opened, fake_gitlab):
    assert follow_merge_requests.apply().get() == "checked 1 merge request(s), 1 changed, 0 error(s)"
    opened.refresh_from_db()
    assert opened.outcome["detailed_merge_status"] == "checking"  # GitLab is still computing it
    fake_gitlab.set_state(PROJECT, 1, "closed")
    follow_merge_requests.apply().get()
    opened.refresh_from_db()
    assert opened.outcome["mr_state"] == "closed"
    assert opened.events.filter(message="Merge request !1 is now closed (poll)").exists()
    assert follow_merge_requests.apply().get() == "checked 0 merge request(s), 0 changed, 0 error(s)"  # final
