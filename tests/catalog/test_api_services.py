"""The services endpoint of the catalog API: reads, writes through the services, R9, R11, runbooks, dependencies."""

import pytest

from catalog.choices import RaciRole
from catalog.models import Domain, Entity, Ownership, Runbook, Service, System
from catalog.permissions import CatalogEntityPermission, can_edit_entity
from portal.models import AuditEvent
from tests.catalog.factories import build_org, owned_data_product, owned_service

URL = "/api/v1/catalog/services/"


@pytest.fixture
def org(make_user):
    return build_org(make_user)


def payload(**overrides) -> dict:
    data = {
        "name": "Kafka",
        "kind": "platform_component",
        "tier": 1,
        "description": "The event backbone.",
        "owners": [{"person": "alex", "role": "A"}, {"team": "data-platform", "role": "R"}],
    }
    return {**data, **overrides}


#
# Reads
#


def test_anonymous_users_get_401_on_the_list_and_on_a_detail(api_client, org):
    service = owned_service(team=org.platform)
    assert api_client.get(URL).status_code == 401
    assert api_client.get(f"{URL}{service.slug}/").status_code == 401


def test_a_stakeholder_reads_a_service_with_its_owners_inlined(api_client, org):
    service = owned_service(team=org.platform, name="Airflow", tier=2, kind="pipeline")
    api_client.force_authenticate(org.stakeholder)
    response = api_client.get(f"{URL}{service.slug}/")
    assert response.status_code == 200
    body = response.json()
    assert body["slug"] == "airflow"
    assert body["kind"] == "pipeline"
    assert body["owners"] == {
        "accountable": {
            "type": "person",
            "slug": "alex",
            "name": "Alex Morgan",
            "email": "alex.morgan@example.com",
            "chat": "@alex",
        },
        "responsible": [
            {
                "type": "team",
                "slug": "data-platform",
                "name": "Data Platform",
                "email": "data-platform@example.com",
                "chat": "#data-platform",
            }
        ],
        "consulted": [],
        "informed": [],
    }
    assert body["flags"] == []
    assert body["has_runbook"] is False
    assert body["links"]["self"].endswith(f"{URL}airflow/")
    assert body["links"]["runbook"].endswith(f"{URL}airflow/runbook/")


def test_links_are_absolute_and_keep_an_explicit_format(api_client, org):
    owned_service(team=org.platform, name="Airflow")
    api_client.force_authenticate(org.stakeholder)
    links = api_client.get(f"{URL}airflow/", {"format": "json"}).json()["links"]
    assert links["self"] == f"http://testserver{URL}airflow/?format=json"
    assert links["dependencies"] == f"http://testserver{URL}airflow/dependencies/?format=json"
    assert links["html"].startswith("http://testserver/") and "format" not in links["html"]
    plain = api_client.get(URL).json()["results"][0]["links"]
    assert plain["self"] == f"http://testserver{URL}airflow/"


def test_the_list_is_paginated(api_client, org):
    for i in range(3):
        owned_service(team=org.platform, name=f"svc {i}")
    api_client.force_authenticate(org.stakeholder)
    body = api_client.get(URL, {"page_size": 2}).json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"]


def test_a_service_is_looked_up_by_slug_and_a_numeric_id_is_not_found(api_client, org):
    service = owned_service(team=org.platform)
    api_client.force_authenticate(org.lead)
    assert api_client.get(f"{URL}{service.pk}/").status_code == 404
    assert api_client.patch(f"{URL}{service.pk}/", {"tier": 1}, format="json").status_code == 404


def test_a_data_product_is_not_reachable_under_services(api_client, org):
    product = owned_data_product(team=org.platform)
    api_client.force_authenticate(org.lead)
    assert api_client.get(f"{URL}{product.slug}/").status_code == 404


def test_the_list_filters_by_team_kind_tier_lifecycle_domain_system_and_text(api_client, org):
    finance = Domain.objects.create(name="Finance", slug="finance")
    lakehouse = System.objects.create(name="Lakehouse", slug="lakehouse")
    owned_service(team=org.platform, name="Kafka", tier=1, domain=finance, description="event backbone")
    owned_service(team=org.platform, name="Trino", tier=2, system=lakehouse, lifecycle="experimental")
    owned_service(team=org.engineering, name="Orders pipeline", kind="pipeline", tier=1)
    api_client.force_authenticate(org.stakeholder)

    def names(**params):
        response = api_client.get(URL, params)
        assert response.status_code == 200, response.json()
        return [row["name"] for row in response.json()["results"]]

    assert names(team="data-platform") == ["Kafka", "Trino"]
    assert names(team="data-engineering") == ["Orders pipeline"]
    assert names(kind="pipeline") == ["Orders pipeline"]
    assert names(tier=1) == ["Kafka", "Orders pipeline"]
    assert names(lifecycle="experimental") == ["Trino"]
    assert names(domain="finance") == ["Kafka"]
    assert names(system="lakehouse") == ["Trino"]
    assert names(q="BACKBONE") == ["Kafka"]
    assert names(q="pipe") == ["Orders pipeline"]
    assert names(team="data-platform", tier=2) == ["Trino"]


def test_a_team_that_is_only_consulted_does_not_filter_in(api_client, org):
    service = owned_service(team=org.platform, name="Kafka")
    Ownership.objects.create(entity=service, team=org.engineering, role=RaciRole.CONSULTED)
    api_client.force_authenticate(org.stakeholder)
    assert api_client.get(URL, {"team": "data-engineering"}).json()["count"] == 0


def test_an_unknown_filter_value_is_a_400_naming_the_filter(api_client, org):
    api_client.force_authenticate(org.stakeholder)
    response = api_client.get(URL, {"team": "nope"})
    assert response.status_code == 400
    assert "team" in response.json()


def test_the_list_orders_by_name_tier_and_updated(api_client, org):
    owned_service(team=org.platform, name="b", tier=1)
    owned_service(team=org.platform, name="a", tier=3)
    owned_service(team=org.platform, name="c", tier=2)
    api_client.force_authenticate(org.stakeholder)

    def names(ordering):
        return [row["name"] for row in api_client.get(URL, {"ordering": ordering}).json()["results"]]

    assert names("name") == ["a", "b", "c"]
    assert names("-name") == ["c", "b", "a"]
    assert names("tier") == ["b", "c", "a"]
    assert names("-updated") == ["c", "a", "b"]


def test_depends_on_and_dependents_are_slug_lists(api_client, org):
    zookeeper = owned_service(team=org.platform, name="ZooKeeper")
    kafka = owned_service(team=org.platform, name="Kafka", depends_on=[zookeeper])
    owned_service(team=org.engineering, name="Orders", kind="pipeline", depends_on=[kafka])
    api_client.force_authenticate(org.stakeholder)
    body = api_client.get(f"{URL}kafka/").json()
    assert body["depends_on"] == ["zookeeper"]
    assert body["dependents"] == ["orders"]


def test_dependencies_lists_upstream_and_downstream_with_their_depth(api_client, org):
    zookeeper = owned_service(team=org.platform, name="ZooKeeper")
    kafka = owned_service(team=org.platform, name="Kafka", depends_on=[zookeeper])
    orders = owned_service(team=org.engineering, name="Orders", kind="pipeline", depends_on=[kafka])
    owned_data_product(team=org.engineering, name="Daily revenue", depends_on=[orders])
    api_client.force_authenticate(org.stakeholder)
    body = api_client.get(f"{URL}orders/dependencies/").json()
    assert body["entity"] == "orders"
    assert [(r["slug"], r["depth"]) for r in body["upstream"]] == [("kafka", 1), ("zookeeper", 2)]
    assert [(r["slug"], r["depth"], r["kind"]) for r in body["downstream"]] == [("daily-revenue", 1, "data_product")]


#
# Writes
#


def test_an_engineer_creates_a_service_with_its_owners_and_the_owning_team_may_edit_it(api_client, org):
    zookeeper = owned_service(team=org.platform, name="ZooKeeper")
    Domain.objects.create(name="Finance", slug="finance")
    api_client.force_authenticate(org.platform_engineer)
    response = api_client.post(URL, payload(depends_on=["zookeeper"], domain="finance"), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["slug"] == "kafka"
    assert body["lifecycle"] == "production"
    assert body["domain"] == "finance"
    assert body["depends_on"] == ["zookeeper"]
    assert body["owners"]["accountable"]["slug"] == "alex"
    assert [p["slug"] for p in body["owners"]["responsible"]] == ["data-platform"]
    assert body["flags"] == ["no runbook"]  # R11: tier 1 without a runbook
    service = Service.objects.get(slug="kafka")
    assert list(service.depends_on.all()) == [Entity.objects.get(pk=zookeeper.pk)]
    assert can_edit_entity(org.platform_engineer, service)
    assert not can_edit_entity(org.engineering_engineer, service)
    assert AuditEvent.objects.filter(verb="service.created", actor=org.platform_engineer).exists()


def test_creating_without_owners_is_refused_and_nothing_is_written(api_client, org):
    api_client.force_authenticate(org.platform_engineer)
    data = payload()
    del data["owners"]
    response = api_client.post(URL, data, format="json")
    assert response.status_code == 400
    assert "owners" in response.json()
    assert not Service.objects.exists()


@pytest.mark.parametrize(
    ("owners", "message"),
    [
        ([{"team": "data-platform", "role": "R"}], "Name exactly one Accountable (A) owner."),
        (
            [{"person": "alex", "role": "A"}, {"team": "data-platform", "role": "A"}],
            "Only one Accountable (A) owner is allowed, not 2 (Alex Morgan, Data Platform).",
        ),
        (
            [{"person": "alex", "role": "A"}, {"team": "data-platform", "role": "C"}],
            "Name at least one Responsible (R) owner.",
        ),
    ],
)
def test_r9_is_enforced_with_a_clear_message_and_nothing_is_written(api_client, org, owners, message):
    api_client.force_authenticate(org.platform_engineer)
    response = api_client.post(URL, payload(owners=owners), format="json")
    assert response.status_code == 400
    assert message in response.json()["owners"]
    assert not Service.objects.exists()
    assert not Ownership.objects.exists()


def test_unknown_slugs_are_a_400_naming_the_field_and_the_row(api_client, org):
    api_client.force_authenticate(org.platform_engineer)
    owners = [{"person": "alex", "role": "A"}, {"team": "x", "role": "R"}, {"person": "ghost", "role": "C"}]
    response = api_client.post(URL, payload(owners=owners, depends_on=["nothing"], domain="atlantis"), format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["owners"] == ["owners[1].team: no team with slug 'x'", "owners[2].person: no person with slug 'ghost'"]
    assert body["depends_on"] == ["depends_on[0]: no service or data product with slug 'nothing'"]
    assert body["domain"] == ["no domain with slug 'atlantis'"]
    assert not Service.objects.exists()


def test_malformed_owner_rows_are_a_400_per_row(api_client, org):
    api_client.force_authenticate(org.platform_engineer)
    owners = [{"person": "alex", "team": "data-platform", "role": "A"}, {"team": "data-platform", "role": "X"}, "kim"]
    response = api_client.post(URL, payload(owners=owners), format="json")
    assert response.status_code == 400
    assert response.json()["owners"] == [
        'owners[0]: give either "team" or "person" (a slug), not both or neither.',
        "owners[1].role: 'X' is not a RACI role: use R, A, C or I.",
        'owners[2]: expected an object such as {"team": "<slug>"}.',
    ]


def test_a_kind_or_lifecycle_that_does_not_apply_to_services_is_refused_by_the_model(api_client, org):
    api_client.force_authenticate(org.platform_engineer)
    response = api_client.post(URL, payload(kind="data_product", lifecycle="draft"), format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"kind", "lifecycle"}
    assert not Service.objects.exists()


def test_a_stakeholder_cannot_create_a_service(api_client, org):
    api_client.force_authenticate(org.stakeholder)
    response = api_client.post(URL, payload(), format="json")
    assert response.status_code == 403
    assert not Service.objects.exists()


def test_anonymous_users_cannot_create_a_service(api_client, org):
    assert api_client.post(URL, payload(), format="json").status_code == 401
    assert not Service.objects.exists()


def test_a_member_of_the_owning_team_edits_the_service(api_client, org):
    service = owned_service(team=org.platform, tier=3)
    api_client.force_authenticate(org.platform_engineer)
    response = api_client.patch(f"{URL}{service.slug}/", {"tier": 2, "description": "new"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["tier"] == 2
    service.refresh_from_db()
    assert (service.tier, service.description) == (2, "new")


def test_a_member_of_another_team_cannot_edit_the_service_and_nothing_changes(api_client, org):
    service = owned_service(team=org.platform, tier=3)
    api_client.force_authenticate(org.engineering_engineer)
    response = api_client.patch(f"{URL}{service.slug}/", {"tier": 1}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": CatalogEntityPermission.message}
    response = api_client.put(f"{URL}{service.slug}/", payload(tier=1), format="json")
    assert response.status_code == 403
    assert api_client.delete(f"{URL}{service.slug}/").status_code == 403
    service.refresh_from_db()
    assert service.tier == 3


def test_a_stakeholder_cannot_edit_or_delete_a_service(api_client, org):
    service = owned_service(team=org.platform, tier=3)
    api_client.force_authenticate(org.stakeholder)
    assert api_client.patch(f"{URL}{service.slug}/", {"tier": 1}, format="json").status_code == 403
    assert api_client.delete(f"{URL}{service.slug}/").status_code == 403
    assert Service.objects.filter(pk=service.pk, tier=3).exists()


def test_the_lead_edits_any_service(api_client, org):
    service = owned_service(team=org.engineering, tier=3)
    api_client.force_authenticate(org.lead)
    assert api_client.patch(f"{URL}{service.slug}/", {"tier": 1}, format="json").status_code == 200
    assert Service.objects.get(pk=service.pk).tier == 1


def test_replacing_the_owners_moves_the_edit_grants(api_client, org):
    service = owned_service(team=org.platform)
    api_client.force_authenticate(org.platform_engineer)
    owners = [{"team": "data-infrastructure", "role": "A"}, {"team": "data-engineering", "role": "R"}]
    response = api_client.patch(f"{URL}{service.slug}/", {"owners": owners}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["owners"]["accountable"]["slug"] == "data-infrastructure"
    assert can_edit_entity(org.engineering_engineer, service)
    assert not can_edit_entity(org.platform_engineer, service)


def test_an_r9_violation_on_update_changes_nothing(api_client, org):
    service = owned_service(team=org.platform, tier=3)
    api_client.force_authenticate(org.platform_engineer)
    response = api_client.patch(
        f"{URL}{service.slug}/", {"tier": 1, "owners": [{"team": "data-platform", "role": "R"}]}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"owners": ["Name exactly one Accountable (A) owner."]}
    service.refresh_from_db()
    assert service.tier == 3
    assert service.ownerships.count() == 2


def test_a_put_without_owners_keeps_them(api_client, org):
    service = owned_service(team=org.platform, name="Kafka")
    api_client.force_authenticate(org.platform_engineer)
    data = payload(name="Kafka 3", tier=2)
    del data["owners"]
    response = api_client.put(f"{URL}{service.slug}/", data, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["name"] == "Kafka 3"
    assert service.ownerships.count() == 2


def test_a_service_cannot_depend_on_itself(api_client, org):
    service = owned_service(team=org.platform, name="Kafka")
    api_client.force_authenticate(org.platform_engineer)
    response = api_client.patch(f"{URL}kafka/", {"depends_on": ["kafka"]}, format="json")
    assert response.status_code == 400
    assert "depends_on" in response.json()
    assert not service.depends_on.exists()


def test_the_owning_team_deletes_a_service(api_client, org):
    service = owned_service(team=org.platform)
    api_client.force_authenticate(org.platform_engineer)
    assert api_client.delete(f"{URL}{service.slug}/").status_code == 204
    assert not Entity.objects.filter(pk=service.pk).exists()


#
# Runbooks and R11
#

RUNBOOK = {
    "sla": "Refreshed before 7 AM daily",
    "related_dashboards": "Grafana: Kafka",
    "summary": "Three brokers.",
    "alerts": [
        {
            "alert": "UnderReplicatedPartitions",
            "steps": [
                {"instruction": "Find the broker that is behind", "command": "kafka-topics --describe"},
                {"instruction": "Restart it"},
            ],
        }
    ],
    "escalation_contacts": [
        {"situation": "Not fixed in 30 min", "target": "Data Platform on call", "contact_method": "Page"}
    ],
}


def test_the_runbook_is_404_until_there_is_one(api_client, org):
    service = owned_service(team=org.platform)
    api_client.force_authenticate(org.stakeholder)
    assert api_client.get(f"{URL}{service.slug}/runbook/").status_code == 404


def test_the_owning_team_writes_the_runbook_and_the_tier_1_flag_clears(api_client, org):
    service = owned_service(team=org.platform, tier=1)
    api_client.force_authenticate(org.platform_engineer)
    assert api_client.get(f"{URL}{service.slug}/").json()["flags"] == ["no runbook"]
    response = api_client.put(f"{URL}{service.slug}/runbook/", RUNBOOK, format="json")
    assert response.status_code == 200, response.json()
    body = api_client.get(f"{URL}{service.slug}/runbook/").json()
    assert body["entity"] == service.slug
    assert body["owner"]["slug"] == "alex"
    assert body["sla"] == "Refreshed before 7 AM daily"
    assert body["alerts"] == [
        {
            "alert": "UnderReplicatedPartitions",
            "steps": [
                {"instruction": "Find the broker that is behind", "command": "kafka-topics --describe"},
                {"instruction": "Restart it", "command": ""},
            ],
        }
    ]
    assert body["escalation_contacts"] == RUNBOOK["escalation_contacts"]
    detail = api_client.get(f"{URL}{service.slug}/").json()
    assert detail["flags"] == []
    assert detail["has_runbook"] is True


def test_a_runbook_alert_without_steps_is_refused_and_nothing_is_written(api_client, org):
    service = owned_service(team=org.platform)
    api_client.force_authenticate(org.platform_engineer)
    bad = {**RUNBOOK, "alerts": [{"alert": "Broker down", "steps": []}]}
    response = api_client.put(f"{URL}{service.slug}/runbook/", bad, format="json")
    assert response.status_code == 400
    assert response.json() == {"alerts": ["Alert response 'Broker down' needs at least one step."]}
    assert not Runbook.objects.exists()


def test_a_malformed_runbook_names_the_row_and_nothing_is_written(api_client, org):
    service = owned_service(team=org.platform)
    api_client.force_authenticate(org.platform_engineer)
    bad = {**RUNBOOK, "alerts": [RUNBOOK["alerts"][0], {"alert": "x", "steps": [{"command": "ls"}]}]}
    response = api_client.put(f"{URL}{service.slug}/runbook/", bad, format="json")
    assert response.status_code == 400
    assert response.json() == {"alerts": ["alerts[1].steps[0].instruction: This field is required."]}
    assert not Runbook.objects.exists()


def test_another_team_cannot_write_the_runbook(api_client, org):
    service = owned_service(team=org.platform)
    api_client.force_authenticate(org.engineering_engineer)
    assert api_client.put(f"{URL}{service.slug}/runbook/", RUNBOOK, format="json").status_code == 403
    api_client.force_authenticate(org.stakeholder)
    assert api_client.put(f"{URL}{service.slug}/runbook/", RUNBOOK, format="json").status_code == 403
    assert not Runbook.objects.exists()


def test_a_tier_1_service_without_an_accountable_owner_is_flagged(api_client, org):
    service = owned_service(team=org.platform, tier=1)
    service.ownerships.filter(role=RaciRole.ACCOUNTABLE).delete()  # as an old import might have left it
    api_client.force_authenticate(org.stakeholder)
    assert api_client.get(f"{URL}{service.slug}/").json()["flags"] == ["no accountable owner", "no runbook"]
