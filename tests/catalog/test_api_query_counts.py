"""Every catalog list and detail endpoint reads in a constant number of SQL queries, checked with 5 and 50 rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import services
from catalog.models import Domain, System
from catalog.rules import OwnerSpec
from tests.catalog.factories import (
    MembershipFactory,
    PersonFactory,
    TeamFactory,
    build_org,
    owned_data_product,
    owned_service,
)

API = "/api/v1/catalog/"


@pytest.fixture
def org(make_user):
    return build_org(make_user)


def count_queries(api_client, url: str, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = api_client.get(url, params)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


#
# Lists: 5 rows, then 50 rows on one page
#


def _teams(org, n):
    for _ in range(n):
        team = TeamFactory(parent=org.root)
        MembershipFactory(team=team)
        MembershipFactory(team=team, role="subteam_lead")


def _people(org, n):
    for _ in range(n):
        MembershipFactory(team=org.platform)


def _memberships(org, n):
    for _ in range(n):
        MembershipFactory(team=org.engineering)


def _domains(org, n):
    for _ in range(n):
        Domain.objects.create(name=f"Domain {Domain.objects.count()}", slug=f"domain-{Domain.objects.count()}")


def _systems(org, n):
    domain = Domain.objects.get_or_create(name="Finance", slug="finance")[0]
    for _ in range(n):
        i = System.objects.count()
        System.objects.create(name=f"System {i}", slug=f"system-{i}", domain=domain)


def _services(org, n):
    for _ in range(n):
        upstream = owned_service(team=org.platform, tier=1)
        owned_service(team=org.engineering, tier=2, depends_on=[upstream])


def _data_products(org, n):
    for _ in range(n):
        product = owned_data_product(
            team=org.engineering,
            consumers=[{"team": org.platform}],
            output_datasets=[{"name": "a.b"}],
            contract_fields=[{"name": "day", "type": "date"}],
        )
        services.data_product_version_add(actor=None, product=product, version="1.0.0")
        services.runbook_save(actor=None, entity=product, summary="s")


LISTS = {
    "teams": _teams,
    "people": _people,
    "memberships": _memberships,
    "domains": _domains,
    "systems": _systems,
    "services": _services,
    "data-products": _data_products,
}


@pytest.mark.parametrize("endpoint", LISTS)
def test_a_list_reads_in_the_same_number_of_queries_for_5_and_50_rows(api_client, org, endpoint):
    make = LISTS[endpoint]
    api_client.force_authenticate(org.stakeholder)
    make(org, 5)
    small = count_queries(api_client, f"{API}{endpoint}/", page_size=5)
    make(org, 45)
    large = count_queries(api_client, f"{API}{endpoint}/", page_size=50)
    assert api_client.get(f"{API}{endpoint}/", {"page_size": 50}).json()["count"] >= 50
    assert small == large
    assert large <= 9  # a count, the page, and one query per prefetched relation


def test_a_filtered_and_ordered_service_list_is_constant_too(api_client, org):
    api_client.force_authenticate(org.stakeholder)
    _services(org, 5)
    params = {"team": "data-platform", "tier": 1, "q": "service", "ordering": "-updated"}
    small = count_queries(api_client, f"{API}services/", page_size=5, **params)
    _services(org, 45)
    assert count_queries(api_client, f"{API}services/", page_size=50, **params) == small


#
# Details: 5 related rows, then 50
#


def test_a_team_detail_is_constant_whatever_its_number_of_members(api_client, org):
    api_client.force_authenticate(org.stakeholder)
    _people(org, 5)
    small = count_queries(api_client, f"{API}teams/data-platform/")
    _people(org, 45)
    assert count_queries(api_client, f"{API}teams/data-platform/") == small


def test_a_person_detail_is_constant_whatever_their_number_of_teams(api_client, org):
    api_client.force_authenticate(org.stakeholder)
    person = PersonFactory()

    def join(n):
        for _ in range(n):
            MembershipFactory(person=person, team=TeamFactory())

    join(5)
    small = count_queries(api_client, f"{API}people/{person.slug}/")
    join(45)
    assert count_queries(api_client, f"{API}people/{person.slug}/") == small


def test_entity_details_runbooks_and_dependencies_are_constant_whatever_their_size(api_client, org):
    api_client.force_authenticate(org.stakeholder)
    hub = owned_data_product(team=org.engineering, name="Hub")
    people = []
    upstream, downstream = [], []

    def grow(n):
        for _ in range(n):
            people.append(PersonFactory())
            upstream.append(owned_service(team=org.platform))
            downstream.append(owned_service(team=org.platform))
        owners = [OwnerSpec(role="A", team=org.engineering), *[OwnerSpec(role="R", person=p) for p in people]]
        services.data_product_update(
            actor=None,
            product=hub,
            owners=owners,
            consumers=[{"person": p} for p in people],
            output_datasets=[{"name": f"ds{i}"} for i in range(len(people))],
            contract_fields=[{"name": f"f{i}", "type": "string"} for i in range(len(people))],
            depends_on=upstream,
        )
        for service in downstream[-n:]:
            services.service_update(actor=None, service=service, depends_on=[hub])
        for i in range(n):
            services.data_product_version_add(actor=None, product=hub, version=f"1.{len(people) - n + i}.0")
        services.runbook_save(
            actor=None,
            entity=hub,
            alerts=[
                {"alert": f"a{i}", "steps": [{"instruction": "x"}, {"instruction": "y"}]} for i in range(len(people))
            ],
            escalation_contacts=[{"situation": "s", "target": "t", "contact_method": "m"}] * len(people),
        )

    urls = [f"{API}data-products/hub/", f"{API}data-products/hub/runbook/", f"{API}data-products/hub/dependencies/"]
    grow(5)
    small = [count_queries(api_client, url) for url in urls]
    grow(45)
    large = [count_queries(api_client, url) for url in urls]
    assert small == large
    body = api_client.get(urls[0]).json()
    assert len(body["owners"]["responsible"]) == 50
    assert len(body["versions"]) == 50
    assert len(api_client.get(urls[2]).json()["downstream"]) == 50


def test_a_service_detail_is_constant_whatever_its_number_of_dependencies(api_client, org):
    api_client.force_authenticate(org.stakeholder)
    hub = owned_service(team=org.platform, name="Kafka")
    upstream = []

    def grow(n):
        for _ in range(n):
            upstream.append(owned_service(team=org.platform))
            owned_service(team=org.engineering, depends_on=[hub])
        services.service_update(actor=None, service=hub, depends_on=upstream)

    grow(5)
    small = count_queries(api_client, f"{API}services/kafka/")
    grow(45)
    assert count_queries(api_client, f"{API}services/kafka/") == small
