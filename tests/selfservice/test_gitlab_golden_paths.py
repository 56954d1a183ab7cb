"""Golden paths: every generated file is valid, the plan shows the tree and contents, bad input is refused."""

import json
import py_compile
import subprocess

import pytest
import yaml

from selfservice.golden_paths import dag_task_ids, golden_path, golden_paths, render
from tests.selfservice.gitlab_fixtures import SAMPLES, fake_gitlab_fixture, mr_params  # noqa: F401 (a fixture)

PLAN_URL = "/api/v1/selfservice/requests/plan/"


def test_the_five_golden_paths_of_the_seeds_are_there():
    assert sorted(golden_paths()) == ["backfill", "batch-ingestion", "dbt-model", "ml-training", "streaming-cdc"]


@pytest.mark.parametrize("path_id", sorted(SAMPLES))
def test_every_generated_file_is_valid_and_each_dag_defines_its_tasks(path_id, tmp_path):
    path = golden_path(path_id)
    files = render(path, name="orders-daily", team="data-engineering", params=SAMPLES[path_id])
    for f in files:
        target = tmp_path / f.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f.content)
        if f.path.endswith(".py"):
            py_compile.compile(str(target), doraise=True)
        elif f.path.endswith((".yml", ".yaml")):
            assert isinstance(yaml.safe_load(f.content), dict)
        elif f.path.endswith(".json"):
            assert isinstance(json.loads(f.content), dict)
    dags = [f for f in files if f.path.startswith("dags/")]
    expected = {
        "batch-ingestion": ["extract_load", "validate", "publish"],
        "backfill": ["plan_range", "backfill_partitions", "verify_counts"],
        "ml-training": ["extract_features", "train", "evaluate", "register_model"],
    }
    assert [dag_task_ids(d.content) for d in dags] == ([expected[path_id]] if path_id in expected else [])


def test_the_generated_files_carry_the_parameters_as_literals_not_code():
    files = {
        f.path: f.content
        for f in render(golden_path("streaming-cdc"), name="orders-cdc", team="de", params=SAMPLES["streaming-cdc"])
    }
    connector = json.loads(files["connect/orders-cdc-debezium.json"])
    assert connector["config"]["table.include.list"] == "public.orders,public.order_items"
    assert connector["config"]["connector.class"] == "io.debezium.connector.postgresql.PostgresConnector"
    assert (
        "TOPICS = ['orders_cdc.public.orders', 'orders_cdc.public.order_items']"
        in files["pipelines/orders-cdc/stream.py"]
    )
    schema = yaml.safe_load(
        render(golden_path("dbt-model"), name="orders", team="de", params=SAMPLES["dbt-model"])[1].content
    )
    order_id = schema["models"][0]["columns"][0]
    assert order_id == {"name": "order_id", "description": "", "data_tests": ["not_null", "unique"]}


def test_the_plan_shows_the_file_tree_and_every_file_and_calls_nothing(api_client, people, fake_gitlab):
    api_client.force_authenticate(people["ana"])
    response = api_client.post(PLAN_URL, {"action": "gitlab-mr", "parameters": mr_params()}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["target"] == f"GitLab at {fake_gitlab.url}" and body["sandbox"] is False
    steps = body["steps"]
    assert steps[0]["summary"].startswith("Create the branch portal/req-N-orders-daily (N: this request's number)")
    assert steps[0]["detail"] == (
        "dags/\n  orders-daily_ingestion.py\ngreat_expectations/\n  expectations/\n    orders-daily.json\n"
        "pipelines/\n  orders-daily/\n    .gitlab-ci.yml\n    job.py"
    )
    added = {s["summary"].removeprefix("Add "): s["detail"] for s in steps[1:-1]}
    assert set(added) == {
        "pipelines/orders-daily/job.py",
        "dags/orders-daily_ingestion.py",
        "great_expectations/expectations/orders-daily.json",
        "pipelines/orders-daily/.gitlab-ci.yml",
    }
    assert "SOURCE_TABLE = 'public.orders'" in added["pipelines/orders-daily/job.py"]
    assert steps[-1]["summary"].startswith("Open a merge request 'Batch ingestion: orders-daily' into main")
    assert fake_gitlab.requests == []  # a plan has no side effects


def test_the_plan_page_says_it_is_a_sandbox_when_gitlab_is_not_configured(client, people, settings):
    settings.GITLAB_URL = ""
    client.force_login(people["ana"])
    data = {**mr_params(), "parameters": json.dumps(SAMPLES["batch-ingestion"]), "step": "plan"}
    response = client.post("/selfservice/actions/gitlab-mr/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "sandbox" in page and "GitLab is not configured, no merge request is opened" in page
    assert "No merge request: set GITLAB_URL and GITLAB_TOKEN to open one in GitLab" in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"parameters": {"source_table": "orders"}},
            "parameters",
            "Batch ingestion: 'source_jdbc_url' is a required property",
        ),
        (
            {"parameters": {**SAMPLES["batch-ingestion"], "source_table": "x; drop"}},
            "parameters",
            "Batch ingestion: source_table: 'x; drop' does not match",
        ),
        (
            {"golden_path": "backfill", "parameters": {**SAMPLES["backfill"], "end_date": "2023-12-31"}},
            "parameters",
            "end_date: 2023-12-31 is before start_date 2024-01-01",
        ),
        ({"golden_path": "nope"}, "golden_path", "Select a valid choice"),
        ({"name": "Orders Daily"}, "name", "must be 3 to 40 lowercase letters"),
        ({"project": "../etc"}, "project", "is not a GitLab project path"),
        ({"target_branch": "main..x"}, "target_branch", "is not a valid branch name"),
    ],
)
def test_bad_parameters_are_refused_naming_the_field_and_nothing_is_stored(
    api_client, people, overrides, field, message
):
    from selfservice.models import Request

    api_client.force_authenticate(people["ana"])
    response = api_client.post(
        "/api/v1/selfservice/requests/", {"action": "gitlab-mr", "parameters": mr_params(**overrides)}, format="json"
    )
    assert response.status_code == 400
    assert any(message in m for m in response.json()[field]), response.json()
    assert not Request.objects.exists()


def test_stakeholders_cannot_request_an_mr(api_client, people, fake_gitlab):
    api_client.force_authenticate(people["sue"])
    response = api_client.post(
        "/api/v1/selfservice/requests/", {"action": "gitlab-mr", "parameters": mr_params()}, format="json"
    )
    assert response.status_code == 403
    assert (
        api_client.post(PLAN_URL, {"action": "gitlab-mr", "parameters": mr_params()}, format="json").status_code == 403
    )


def test_another_team_cannot_see_the_request(api_client, people, fake_gitlab, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    api_client.force_authenticate(people["ana"])
    response = api_client.post(
        "/api/v1/selfservice/requests/", {"action": "gitlab-mr", "parameters": mr_params()}, format="json"
    )
    assert response.status_code == 202
    api_client.force_authenticate(people["ben"])
    assert api_client.get(response["Location"]).status_code == 404
    assert api_client.get("/api/v1/selfservice/requests/").json()["count"] == 0


def test_the_parameter_schema_lists_each_golden_paths_schema(api_client, people):
    api_client.force_authenticate(people["ana"])
    schema = api_client.get("/api/v1/selfservice/actions/gitlab-mr/").json()["parameter_schema"]
    variants = {v["title"]: v for v in schema["properties"]["parameters"]["oneOf"]}
    assert set(variants) == {p.title for p in golden_paths().values()}
    assert variants["Backfill"]["required"] == ["source_table", "target_table", "start_date", "end_date"]


def test_git_is_there_for_the_sandbox():
    assert subprocess.run(["git", "--version"], capture_output=True, check=True).stdout.startswith(b"git version")
