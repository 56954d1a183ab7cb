"""A team's list (`?team=` alone, catalog/api/team_lists.py) answers exactly as the generic filter path does, and
every list pages in an order with no ties."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.api import team_lists
from catalog.choices import RaciRole
from catalog.models import Ownership
from tests.catalog.factories import TeamFactory, build_org, owned_data_product, owned_service

SERVICES = "/api/v1/catalog/services/"
DATA_PRODUCTS = "/api/v1/catalog/data-products/"


@pytest.fixture
def org(make_user):
    return build_org(make_user)


@pytest.fixture
def catalog(org):
    """Teams of 0, 1, 4 and 13 services (and 11 data products) in ties of tier and name, an entity a team is
    both R and A for, one it is only consulted on."""
    big = TeamFactory(parent=org.root, slug="big")
    TeamFactory(parent=org.root, slug="empty")
    for index in range(13):
        owned_service(team=big, name=f"Service {index % 4}", tier=1 + index % 2)
    both = owned_service(team=org.engineering, name="Both roles", tier=2)
    Ownership.objects.filter(entity=both, role=RaciRole.ACCOUNTABLE).update(team=org.engineering, person=None)
    for index in range(3):
        owned_service(team=org.engineering, name=f"Pipeline {index}", kind="pipeline")
    consulted = owned_service(team=org.platform, name="Kafka")
    Ownership.objects.create(entity=consulted, team=org.engineering, role=RaciRole.CONSULTED)
    for index in range(11):
        owned_data_product(team=big, name=f"Product {index % 3}", tier=1 + index % 2)
    return org


QUERIES = [
    "team=big",
    "team=big&page_size=5",
    "team=big&page_size=5&page=2",
    "team=big&page_size=5&page=3",
    "team=big&page_size=5&page=9",
    "team=big&page_size=4&page=last",
    "team=big&ordering=-tier",
    "team=big&ordering=tier,-name&page_size=3&page=2",
    "team=big&ordering=-updated&page_size=6",
    "team=big&ordering=nonsense",
    "team=data-engineering",
    "team=data-engineering&format=json",
    "team=data-platform",
    "team=empty",
    "page_size=2&team=big&team=data-engineering",  # the last value counts, as django-filter reads it
]


def test_a_teams_list_is_what_the_filter_gives(api_client, catalog):
    api_client.force_authenticate(catalog.stakeholder)
    for url in (SERVICES, DATA_PRODUCTS):
        for query in QUERIES:
            alone = api_client.get(f"{url}?{query}")
            # An empty filter beside the team takes the generic path (django-filter, the ORM), same answer.
            generic = api_client.get(f"{url}?{query}&tier=")
            assert alone.status_code == generic.status_code == (404 if "page=9" in query else 200), (url, query)
            assert alone.content == generic.content.replace(b"&tier=", b""), (url, query)


def test_a_teams_list_counts_each_entity_once_and_not_what_it_is_only_consulted_on(api_client, catalog):
    api_client.force_authenticate(catalog.stakeholder)
    body = api_client.get(SERVICES, {"team": "data-engineering"}).json()
    assert body["count"] == 4
    assert [row["name"] for row in body["results"]] == ["Both roles", "Pipeline 0", "Pipeline 1", "Pipeline 2"]
    assert api_client.get(SERVICES, {"team": "big"}).json()["count"] == 13


def test_a_teams_list_reads_in_fewer_queries_than_the_filter_and_as_many_for_any_team(api_client, catalog):
    if connection.vendor != "postgresql":
        pytest.skip("a team's own list is read by its own query on PostgreSQL only (it builds an array)")
    api_client.force_authenticate(catalog.stakeholder)

    def queries(query: str) -> list[str]:
        with CaptureQueriesContext(connection) as ctx:
            assert api_client.get(f"{SERVICES}?{query}").status_code == 200
        return [q["sql"] for q in ctx.captured_queries]

    small, big, generic = queries("team=data-engineering"), queries("team=big&page_size=5"), queries("team=big&tier=")
    # The team is looked up inside the page's own query, not by the filter's form first.
    assert len(small) == len(generic) - 1
    assert len(big) == len(small) + 1  # a full first page also needs its count


@pytest.mark.parametrize(
    "query", ["team=nope", "team=nope&page=2", "team=nope&page=abc", "team=nope&page=0", "team=nope&ordering=-tier"]
)
def test_an_unknown_team_is_a_400_naming_the_filter(api_client, catalog, query):
    api_client.force_authenticate(catalog.stakeholder)
    response = api_client.get(f"{SERVICES}?{query}")
    assert response.status_code == 400
    assert response.json() == {"team": ["Select a valid choice. That choice is not one of the available choices."]}


def test_a_field_named_twice_in_the_ordering_counts_once(api_client, catalog):
    api_client.force_authenticate(catalog.stakeholder)
    once = api_client.get(SERVICES, {"team": "big", "ordering": "tier,-name", "page_size": 4})
    compiled = team_lists._compiled.cache_info().currsize
    for repeats in range(1, 6):
        twice = api_client.get(SERVICES, {"team": "big", "ordering": "tier,-name" + ",name,-tier" * repeats})
        assert twice.status_code == 200
        assert twice.json()["results"][:4] == once.json()["results"]
    # No new query per spelling: a query string cannot make the compiled queries (and prepared statements) grow.
    assert team_lists._compiled.cache_info().currsize == compiled


def test_a_page_past_the_end_of_a_teams_list_is_a_404(api_client, catalog):
    api_client.force_authenticate(catalog.stakeholder)
    response = api_client.get(SERVICES, {"team": "big", "page_size": 5, "page": 4})
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page."}


def test_pages_of_rows_that_tie_show_every_row_once(api_client, catalog):
    api_client.force_authenticate(catalog.stakeholder)
    for team in ("", "big"):  # the generic path and the team's own
        expected = api_client.get(SERVICES, {"team": team, "page_size": 500}).json()
        for ordering in ("tier", "-tier", "name", "-name", "tier,-name"):
            seen = []
            for page in range(1, 20):
                params = {"team": team, "ordering": ordering, "page_size": 2, "page": page}
                response = api_client.get(SERVICES, params)
                if response.status_code == 404:
                    break
                seen += [row["slug"] for row in response.json()["results"]]
            assert sorted(seen) == sorted(row["slug"] for row in expected["results"]), (team, ordering)
            assert len(seen) == len(set(seen)) == expected["count"], (team, ordering)
