"""The cached entity lists (catalog/cache.py): a cached answer is served until a committed catalog change, and every
kind of change a list shows (the entity, its owners, a team's name, a dependency, an import) makes the next read
fresh. The suite turns the cache off elsewhere (tests/conftest.py); these tests turn it on and run the on-commit
hooks, as a real transaction commit would."""

import pytest
from django.core.cache import cache
from django.db import connection

from catalog import cache as catalog_cache
from catalog import services
from catalog.importers.backstage import import_descriptors
from catalog.models import Service
from tests.catalog.factories import build_org, owned_service

URL = "/api/v1/catalog/services/"


@pytest.fixture
def org(make_user):
    return build_org(make_user)


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.CATALOG_CACHE_SECONDS = 300
    cache.delete(catalog_cache.CATALOG)  # a new generation: nothing an earlier test cached is reachable


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a block's on-commit hooks (the generation moves) as its commit would."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


def names(api_client, url: str = URL) -> list[str]:
    response = api_client.get(url)
    assert response.status_code == 200
    return [row["name"] for row in response.json()["results"]]


def test_a_list_is_answered_from_the_cache_until_the_catalog_changes(
    api_client, org, committed, django_assert_num_queries
):
    with committed():
        owned_service(team=org.platform, name="Airflow")
    api_client.force_authenticate(org.platform_engineer)
    assert names(api_client) == ["Airflow"]
    # Not one query (force_authenticate skips the token's): the answer comes from the cache.
    with django_assert_num_queries(0):
        assert names(api_client) == ["Airflow"]

    with committed():
        owned_service(team=org.platform, name="Kafka")
    assert names(api_client) == ["Airflow", "Kafka"]


def test_a_write_through_the_api_is_seen_by_the_next_list(api_client, org, committed):
    with committed():
        owned_service(team=org.platform, name="Airflow", tier=3)
    api_client.force_authenticate(org.lead)
    assert api_client.get(URL).json()["results"][0]["tier"] == 3
    with committed():
        assert api_client.patch(f"{URL}airflow/", {"tier": 2}, format="json").status_code == 200
    assert api_client.get(URL).json()["results"][0]["tier"] == 2


def test_renaming_an_owning_team_refreshes_the_owners_shown_in_a_list(api_client, org, committed):
    with committed():
        owned_service(team=org.platform, name="Airflow")
    api_client.force_authenticate(org.platform_engineer)
    responsible = api_client.get(URL).json()["results"][0]["owners"]["responsible"]
    assert [p["name"] for p in responsible] == ["Data Platform"]
    with committed():
        services.team_update(actor=org.lead, team=org.platform, name="Platform Engineering")
    responsible = api_client.get(URL).json()["results"][0]["owners"]["responsible"]
    assert [p["name"] for p in responsible] == ["Platform Engineering"]


def test_a_new_dependency_and_a_deletion_refresh_the_list(api_client, org, committed):
    with committed():
        airflow = owned_service(team=org.platform, name="Airflow")
        owned_service(team=org.platform, name="Kafka")
    api_client.force_authenticate(org.lead)
    assert api_client.get(URL).json()["results"][0]["depends_on"] == []
    with committed():
        services.service_update(actor=org.lead, service=airflow, depends_on=[Service.objects.get(slug="kafka")])
    assert api_client.get(URL).json()["results"][0]["depends_on"] == ["kafka"]
    with committed():
        services.entity_delete(actor=org.lead, entity=Service.objects.get(slug="kafka"))
    assert names(api_client) == ["Airflow"]


def test_a_bulk_import_moves_the_generation(api_client, org, committed):
    api_client.force_authenticate(org.platform_engineer)
    assert names(api_client) == []
    descriptor = """
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: billing-api}
spec: {type: service, lifecycle: production, owner: group:default/data-platform}
"""
    with committed():
        import_descriptors(actor=org.lead, sources=[("catalog-info.yaml", descriptor)])
    assert names(api_client) == ["billing-api"]


def test_filters_and_pages_are_cached_apart(api_client, org, committed):
    with committed():
        owned_service(team=org.platform, name="Airflow", tier=1)
        owned_service(team=org.engineering, name="Dbt", tier=2)
    api_client.force_authenticate(org.platform_engineer)
    assert names(api_client, f"{URL}?team=data-platform&tier=1") == ["Airflow"]
    assert names(api_client, f"{URL}?team=data-engineering&tier=2") == ["Dbt"]
    assert names(api_client, f"{URL}?tier=2") == ["Dbt"]
    assert names(api_client, f"{URL}?page_size=1&page=2") == ["Dbt"]


def test_a_teams_own_list_is_read_fresh_and_the_same_list_with_another_filter_is_cached(api_client, org, committed):
    if connection.vendor != "postgresql":
        pytest.skip("a team's own list is read by its own query, uncached, on PostgreSQL only (it builds an array)")
    with committed():
        owned_service(team=org.platform, name="Airflow", tier=1)
    api_client.force_authenticate(org.platform_engineer)
    assert names(api_client, f"{URL}?team=data-platform") == ["Airflow"]
    assert names(api_client, f"{URL}?team=data-platform&tier=1") == ["Airflow"]
    owned_service(team=org.platform, name="Kafka", tier=1)  # not committed: only a cached answer would hide it
    assert names(api_client, f"{URL}?team=data-platform") == ["Airflow", "Kafka"]
    assert names(api_client, f"{URL}?team=data-platform&tier=1") == ["Airflow"]


def test_a_lost_generation_counter_never_revives_older_answers(org):
    first = catalog_cache.generation()
    cache.delete(catalog_cache.CATALOG)
    assert catalog_cache.generation() > first


def test_caching_is_off_with_zero_seconds(api_client, org, settings, django_assert_num_queries):
    settings.CATALOG_CACHE_SECONDS = 0
    owned_service(team=org.platform, name="Airflow")
    api_client.force_authenticate(org.platform_engineer)
    assert names(api_client) == ["Airflow"]
    owned_service(team=org.platform, name="Kafka")  # not committed: only a cache would hide it
    assert names(api_client) == ["Airflow", "Kafka"]


def test_the_browsable_api_is_never_cached_and_an_indented_list_is_cached_apart(api_client, org, committed):
    with committed():
        owned_service(team=org.platform, name="Airflow")
    api_client.force_authenticate(org.platform_engineer)
    compact = api_client.get(URL, HTTP_ACCEPT="application/json")
    indented = api_client.get(URL, HTTP_ACCEPT="application/json; indent=2")
    assert compact.content != indented.content and b'\n  "count"' in indented.content
    assert api_client.get(URL, HTTP_ACCEPT="application/json").content == compact.content
    page = api_client.get(URL, HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    owned_service(team=org.platform, name="Kafka")  # not committed: only the cached JSON would hide it
    assert b"Kafka" in api_client.get(URL, HTTP_ACCEPT="text/html").content
