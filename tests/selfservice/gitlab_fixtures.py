"""Fixtures and sample parameters for the gitlab-mr action's tests."""

import pytest

from tests.fakes.gitlab import FakeGitLab

PROJECT = "data/pipelines"
SAMPLES = {
    "batch-ingestion": {
        "source_jdbc_url": "jdbc:postgresql://orders-db.internal:5432/orders",
        "source_table": "public.orders",
        "target_table": "lake.sales.orders",
        "not_null_columns": ["order_id"],
    },
    "streaming-cdc": {
        "database_host": "orders-db.internal",
        "database_name": "orders",
        "tables": ["public.orders", "public.order_items"],
        "target_table": "lake.sales.orders_cdc",
    },
    "backfill": {
        "source_table": "public.orders",
        "target_table": "lake.sales.orders",
        "start_date": "2024-01-01",
        "end_date": "2024-01-31",
    },
    "dbt-model": {
        "source_name": "shop",
        "source_table": "orders",
        "unique_key": "order_id",
        "columns": [{"name": "order_id"}, {"name": "status", "accepted_values": ["new", "paid"]}],
    },
    "ml-training": {"feature_table": "lake.ml.churn_features", "label_column": "churned"},
}


def mr_params(golden_path: str = "batch-ingestion", **overrides) -> dict:
    params = {
        "golden_path": golden_path,
        "name": "orders-daily",
        "project": PROJECT,
        "target_branch": "main",
        "parameters": SAMPLES.get(golden_path, {}),
        "team": "data-engineering",
    }
    params.update(overrides)
    return params


@pytest.fixture(name="fake_gitlab")
def fake_gitlab_fixture(settings):
    server = FakeGitLab().start()
    server.add_project(PROJECT)
    settings.GITLAB_URL = server.url
    settings.GITLAB_TOKEN = server.token
    yield server
    server.stop()
