"""The GitLab connector's idempotency against the fake, and the sandbox's real git repository."""

import subprocess

import pytest

from selfservice.connectors.base import PermanentError
from selfservice.connectors.gitlab import GitLabConnector, SandboxGitConnector
from tests.selfservice.gitlab_fixtures import PROJECT, fake_gitlab_fixture, mr_params  # noqa: F401 (a fixture)


def test_a_redelivered_apply_reuses_its_branch_and_mr_and_sends_nothing_new(fake_gitlab, db):
    connector = GitLabConnector.from_settings()
    first = connector.apply_for(41, mr_params(), own_earlier_attempt=False)
    again = connector.apply_for(41, mr_params(), own_earlier_attempt=True)
    assert first.created is True and again.created is False
    assert again.ref == first.ref and again.details["mr_iid"] == 1
    assert len(fake_gitlab.calls("POST", r"/repository/commits$")) == 1
    assert len(fake_gitlab.calls("POST", r"/merge_requests$")) == 1


def test_an_mr_from_our_branch_opened_by_someone_else_is_a_conflict(fake_gitlab, db):
    connector = GitLabConnector.from_settings()
    connector.apply_for(42, mr_params(), own_earlier_attempt=False)
    mr = fake_gitlab.projects[PROJECT].merge_requests[0]
    mr["description"] = "rewritten by a person"
    with pytest.raises(PermanentError, match="was not opened by request #42"):
        connector.apply_for(42, mr_params(), own_earlier_attempt=True)


def test_gitlab_refusing_the_same_source_and_target_is_a_permanent_error_with_its_message(fake_gitlab, db):
    connector = GitLabConnector.from_settings()
    fake_gitlab.fail_next.append(
        ("POST", r"/merge_requests$", 422, {"message": ["You can't use same project/branch for source and target"]})
    )
    with pytest.raises(PermanentError, match="You can't use same project/branch for source and target"):
        connector.apply_for(43, mr_params(), own_earlier_attempt=False)


def test_the_merge_request_state_is_read_back_until_gitlab_has_computed_it(fake_gitlab, db):
    connector = GitLabConnector.from_settings()
    outcome = connector.apply_for(44, mr_params(), own_earlier_attempt=False)
    assert outcome.details["detailed_merge_status"] == "preparing"
    assert connector.merge_request_state(PROJECT, 1).detailed_merge_status == "checking"
    assert connector.merge_request_state(PROJECT, 1).detailed_merge_status == "mergeable"
    assert connector.status(outcome.ref) == "opened"


def test_the_sandbox_commits_every_file_on_a_branch_of_a_local_bare_repository(tmp_path):
    sandbox = SandboxGitConnector(tmp_path / "sandbox-git")
    assert sandbox.is_sandbox and "no merge request is opened" in sandbox.target
    outcome = sandbox.apply_for(7, mr_params("dbt-model"), own_earlier_attempt=False)
    repo = tmp_path / "sandbox-git" / "data" / "pipelines.git"
    assert outcome.ref == f"file://{repo}#portal/req-7-orders-daily" and outcome.created is True

    def git(*args):
        return subprocess.run(["git", "--git-dir", str(repo), *args], capture_output=True, text=True, check=True).stdout

    files = git("ls-tree", "-r", "--name-only", "portal/req-7-orders-daily").split()
    assert files == [
        "README.md",
        "models/staging/.gitlab-ci-orders-daily.yml",
        "models/staging/orders_daily.sql",
        "models/staging/orders_daily.yml",
    ]
    assert git("rev-list", "--count", "main..portal/req-7-orders-daily").strip() == "1"  # one commit
    assert "Portal-Request: #7 " in git("log", "-1", "--format=%B", "portal/req-7-orders-daily")

    again = sandbox.apply_for(7, mr_params("dbt-model"), own_earlier_attempt=True)
    assert again.created is False and again.details["commit"] == outcome.details["commit"]
    git("branch", "portal/req-8-orders-daily", "main")  # made by hand, not by request 8
    with pytest.raises(PermanentError, match="was not made by request #8"):
        sandbox.apply_for(8, mr_params("dbt-model"), own_earlier_attempt=False)
