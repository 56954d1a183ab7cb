"""The gitlab-mr action end to end: a real Celery worker drives python-gitlab against a fake GitLab v4."""

import pytest

from selfservice.models import Request
from tests.selfservice.conftest import token_for, wait_for_status
from tests.selfservice.gitlab_fixtures import PROJECT, fake_gitlab_fixture, mr_params  # noqa: F401 (a fixture)

pytestmark = pytest.mark.integration

URL = "/api/v1/selfservice/requests/"
FAST_RETRIES = {"SELFSERVICE_RETRY_BACKOFF": "1", "SELFSERVICE_RETRY_BACKOFF_MAX": "1", "SELFSERVICE_MAX_RETRIES": "2"}


def worker_env(fake, **extra) -> dict:
    return {"GITLAB_URL": fake.url, "GITLAB_TOKEN": fake.token, "GITLAB_TIMEOUT_SECONDS": "5", **FAST_RETRIES, **extra}


def submit(api_client, user, **overrides) -> str:
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    response = api_client.post(URL, {"action": "gitlab-mr", "parameters": mr_params(**overrides)}, format="json")
    assert response.status_code == 202, response.content
    return response["Location"]


def test_a_golden_path_request_becomes_one_branch_one_commit_and_one_mr_linking_back(
    api_client, people, fake_gitlab, celery_worker_process
):
    celery_worker_process.start(env=worker_env(fake_gitlab))
    url = submit(api_client, people["ana"])
    body = wait_for_status(api_client, url, {"succeeded", "failed"})
    assert body["status"] == "succeeded", body["last_error"]
    request_id = body["id"]
    branch = f"portal/req-{request_id}-orders-daily"

    commits = fake_gitlab.calls("POST", r"/repository/commits$")
    assert len(commits) == 1
    assert commits[0].body["branch"] == branch and commits[0].body["start_branch"] == "main"
    assert sorted(a["file_path"] for a in commits[0].body["actions"]) == [
        "dags/orders-daily_ingestion.py",
        "great_expectations/expectations/orders-daily.json",
        "pipelines/orders-daily/.gitlab-ci.yml",
        "pipelines/orders-daily/job.py",
    ]
    assert fake_gitlab.projects[PROJECT].files[branch]["pipelines/orders-daily/job.py"].startswith('"""Batch')

    mrs = fake_gitlab.calls("POST", r"/merge_requests$")
    assert len(mrs) == 1
    assert mrs[0].body["source_branch"] == branch and mrs[0].body["target_branch"] == "main"
    assert f"/selfservice/requests/{request_id}/" in mrs[0].body["description"]
    assert mrs[0].headers["private-token"] == fake_gitlab.token

    assert body["outcome"]["ref"] == f"{fake_gitlab.url}/{PROJECT}/-/merge_requests/1"
    assert body["outcome"]["branch"] == branch and body["outcome"]["mr_state"] == "opened"
    assert body["sandbox"] is False


def test_a_bad_token_fails_at_once_with_gitlabs_401(api_client, people, fake_gitlab, celery_worker_process):
    celery_worker_process.start(env=worker_env(fake_gitlab, GITLAB_TOKEN="glpat-wrong"))
    body = wait_for_status(api_client, submit(api_client, people["ana"]), {"succeeded", "failed"})
    assert body["status"] == "failed" and body["attempts"] == 1
    assert "GitLab rejected the token (401 401 Unauthorized); check GITLAB_TOKEN." in body["last_error"]
    assert not fake_gitlab.calls("POST", r".")


def test_an_unknown_project_fails_at_once_naming_it(api_client, people, fake_gitlab, celery_worker_process):
    celery_worker_process.start(env=worker_env(fake_gitlab))
    body = wait_for_status(api_client, submit(api_client, people["ana"], project="data/nope"), {"succeeded", "failed"})
    assert body["status"] == "failed" and body["attempts"] == 1
    assert body["last_error"] == "GitLab has no project 'data/nope' (404), or the token cannot see it."


def test_a_branch_that_someone_else_made_is_a_conflict_not_reused(
    api_client, people, fake_gitlab, celery_worker_process
):
    url = submit(api_client, people["ana"])  # queued in Redis; the worker starts after the branch exists
    request_id = int(url.rstrip("/").rsplit("/", 1)[1])
    fake_gitlab.add_branch(PROJECT, f"portal/req-{request_id}-orders-daily", message="Manual experiment")
    celery_worker_process.start(env=worker_env(fake_gitlab))
    body = wait_for_status(api_client, url, {"succeeded", "failed"})
    assert body["status"] == "failed" and body["attempts"] == 1
    assert f"was not made by request #{request_id}" in body["last_error"]
    assert not fake_gitlab.calls("POST", r".")


def test_a_5xx_is_retried_and_the_retry_reuses_its_own_branch_without_a_second_commit_or_mr(
    api_client, people, fake_gitlab, celery_worker_process
):
    # The commit lands, then opening the MR meets a 502: the retry must find its branch and open the MR once.
    fake_gitlab.fail_next.append(("POST", r"/merge_requests$", 502, {"message": "502 Bad Gateway"}))
    celery_worker_process.start(env=worker_env(fake_gitlab))
    body = wait_for_status(api_client, submit(api_client, people["ana"]), {"succeeded", "failed"})
    assert body["status"] == "succeeded", body["last_error"]
    assert body["attempts"] == 2
    assert any("GitLab answered 502" in e["message"] and "retrying in" in e["message"] for e in body["events"])
    assert len(fake_gitlab.calls("POST", r"/repository/commits$")) == 1
    assert len(fake_gitlab.projects[PROJECT].merge_requests) == 1
    assert body["outcome"]["created"] is True  # the MR was new on the second attempt


def test_gitlab_down_for_good_gives_up_after_the_retries(api_client, people, fake_gitlab, celery_worker_process):
    for _ in range(3):
        fake_gitlab.fail_next.append(("GET", r"/projects/", 503, {"message": "503 Service Unavailable"}))
    celery_worker_process.start(env=worker_env(fake_gitlab))
    body = wait_for_status(api_client, submit(api_client, people["ana"]), {"succeeded", "failed"}, timeout=90)
    assert body["status"] == "failed" and body["attempts"] == 3
    assert body["last_error"].startswith(
        "Gave up after 3 attempts: Reading the project data/pipelines: GitLab answered 503"
    )
    assert Request.objects.get(pk=body["id"]).outcome == {}
