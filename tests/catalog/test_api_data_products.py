"""The data-products endpoint: contract, consumers, versions, R10 publishing, and one subteam against another."""

import pytest

from catalog.models import DataProduct, DataProductVersion, Runbook
from catalog.permissions import CatalogEntityPermission
from catalog.slo import services as slo_services
from tests.catalog.factories import build_org, owned_data_product, owned_service, publishable_data_product

URL = "/api/v1/catalog/data-products/"


@pytest.fixture
def org(make_user):
    return build_org(make_user)


def payload(**overrides) -> dict:
    data = {
        "name": "Daily revenue",
        "tier": 1,
        "description": "Revenue per day.",
        "quality_sla": "Refreshed before 7 AM daily",
        "documentation": "## Usage",
        "owners": [{"person": "alex", "role": "A"}, {"team": "data-engineering", "role": "R"}],
        "consumers": [{"team": "data-platform", "purpose": "Capacity planning"}, {"person": "rachel"}],
        "output_datasets": [{"name": "lakehouse.finance.fct_daily_revenue", "location": "iceberg://wh/fct"}],
        "contract_fields": [
            {"name": "day", "type": "date", "nullable": False, "description": "UTC day", "quality_rules": ["not_null"]},
            {"name": "revenue_eur", "type": "decimal"},
        ],
    }
    return {**data, **overrides}


def test_an_engineer_creates_a_data_product_as_a_draft_with_its_contract(api_client, org):
    kafka = owned_service(team=org.platform, name="Kafka")
    api_client.force_authenticate(org.engineering_engineer)
    response = api_client.post(URL, payload(depends_on=[kafka.slug]), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["slug"] == "daily-revenue"
    assert body["kind"] == "data_product"
    assert body["lifecycle"] == "draft"
    assert body["depends_on"] == ["kafka"]
    assert [(c["type"], c["slug"], c["purpose"]) for c in body["consumers"]] == [
        ("team", "data-platform", "Capacity planning"),
        ("person", "rachel", ""),
    ]
    assert body["output_datasets"] == [{"name": "lakehouse.finance.fct_daily_revenue", "location": "iceberg://wh/fct"}]
    assert body["contract_fields"] == [
        {"name": "day", "type": "date", "nullable": False, "description": "UTC day", "quality_rules": ["not_null"]},
        {"name": "revenue_eur", "type": "decimal", "nullable": False, "description": "", "quality_rules": []},
    ]
    assert body["versions"] == []
    assert body["current_version"] is None
    assert body["flags"] == ["no runbook"]


def test_a_bad_contract_field_is_a_400_and_nothing_is_written(api_client, org):
    api_client.force_authenticate(org.engineering_engineer)
    fields = [{"name": "day", "type": "date"}, {"name": "amount", "type": "money"}]
    response = api_client.post(URL, payload(contract_fields=fields), format="json")
    assert response.status_code == 400
    assert response.json() == {"contract_fields": ['contract_fields[1].type: "money" is not a valid choice.']}
    assert not DataProduct.objects.exists()


def test_a_duplicate_contract_field_is_refused_by_the_service_and_nothing_is_written(api_client, org):
    api_client.force_authenticate(org.engineering_engineer)
    fields = [{"name": "day", "type": "date"}, {"name": "day", "type": "string"}]
    response = api_client.post(URL, payload(contract_fields=fields), format="json")
    assert response.status_code == 400
    assert response.json() == {"contract_fields": ["Each contract field name is used once."]}
    assert not DataProduct.objects.exists()


def test_an_unknown_consumer_is_a_400_naming_the_row(api_client, org):
    api_client.force_authenticate(org.engineering_engineer)
    response = api_client.post(URL, payload(consumers=[{"team": "finance"}]), format="json")
    assert response.status_code == 400
    assert response.json() == {"consumers": ["consumers[0].team: no team with slug 'finance'"]}
    assert not DataProduct.objects.exists()


def test_a_new_data_product_cannot_start_published(api_client, org):
    api_client.force_authenticate(org.engineering_engineer)
    response = api_client.post(URL, payload(lifecycle="published"), format="json")
    assert response.status_code == 400
    assert "lifecycle" in response.json()
    assert not DataProduct.objects.exists()


def test_publishing_without_what_r10_asks_for_is_refused_with_the_list_of_what_is_missing(api_client, org):
    product = owned_data_product(team=org.engineering, name="Churn scores")
    api_client.force_authenticate(org.engineering_engineer)
    response = api_client.post(f"{URL}{product.slug}/publish/")
    assert response.status_code == 400
    assert response.json() == {
        "lifecycle": [
            "Cannot publish Churn scores: it needs a consumer (a team or a named stakeholder), an SLO, "
            "a version with a changelog, documentation."
        ]
    }
    product.refresh_from_db()
    assert product.lifecycle == "draft"


def test_publishing_through_an_update_is_checked_too(api_client, org):
    product = owned_data_product(team=org.engineering)
    api_client.force_authenticate(org.engineering_engineer)
    response = api_client.patch(
        f"{URL}{product.slug}/", {"lifecycle": "published", "quality_sla": "Daily"}, format="json"
    )
    assert response.status_code == 400
    assert "lifecycle" in response.json()
    product.refresh_from_db()
    assert (product.lifecycle, product.quality_sla) == ("draft", "")


def test_a_ready_data_product_is_published(api_client, org):
    product = publishable_data_product(team=org.engineering)
    slo_services.slo_create(actor=None, entity=product, sli_kind="freshness")  # R10 asks for an SLO
    api_client.force_authenticate(org.engineering_engineer)
    response = api_client.post(f"{URL}{product.slug}/publish/")
    assert response.status_code == 200, response.json()
    assert response.json()["lifecycle"] == "published"
    product.refresh_from_db()
    assert product.lifecycle == "published"


def test_versions_are_added_and_read_newest_first_with_the_current_version(api_client, org):
    product = owned_data_product(team=org.engineering)
    api_client.force_authenticate(org.engineering_engineer)
    for version, day in (("1.0.0", "2025-01-10"), ("1.2.0", "2025-03-01"), ("1.10.0", "2025-02-01")):
        response = api_client.post(
            f"{URL}{product.slug}/versions/", {"version": version, "changelog": "x", "released_at": day}, format="json"
        )
        assert response.status_code == 201, response.json()
        assert response.json() == {"version": version, "changelog": "x", "released_at": day}
    body = api_client.get(f"{URL}{product.slug}/").json()
    assert [v["version"] for v in body["versions"]] == ["1.2.0", "1.10.0", "1.0.0"]
    assert body["current_version"]["version"] == "1.10.0"


@pytest.mark.parametrize(
    ("data", "field"),
    [({"version": "1.0"}, "version"), ({"version": "1.0.0", "released_at": "yesterday"}, "released_at")],
)
def test_a_bad_version_is_a_400(api_client, org, data, field):
    product = owned_data_product(team=org.engineering)
    api_client.force_authenticate(org.engineering_engineer)
    response = api_client.post(f"{URL}{product.slug}/versions/", data, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not DataProductVersion.objects.exists()


def test_a_version_that_exists_is_a_400(api_client, org):
    product = publishable_data_product(team=org.engineering)  # has 1.0.0
    api_client.force_authenticate(org.engineering_engineer)
    response = api_client.post(f"{URL}{product.slug}/versions/", {"version": "1.0.0"}, format="json")
    assert response.status_code == 400
    assert "version" in response.json() or "__all__" in response.json()
    assert product.versions.count() == 1


def test_a_member_of_one_subteam_cannot_edit_another_subteams_data_product_and_nothing_changes(api_client, org):
    product = publishable_data_product(team=org.engineering, name="Daily revenue", tier=2)
    slug = product.slug
    api_client.force_authenticate(org.platform_engineer)  # Data Platform, not Data Engineering

    # By its id: not an address of the API at all.
    assert api_client.patch(f"{URL}{product.pk}/", {"tier": 1}, format="json").status_code == 404
    assert api_client.delete(f"{URL}{product.pk}/").status_code == 404
    # By its slug: visible, so refused with the reason.
    response = api_client.patch(f"{URL}{slug}/", {"tier": 1, "quality_sla": "never"}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": CatalogEntityPermission.message}
    assert api_client.put(f"{URL}{slug}/", payload(), format="json").status_code == 403
    assert api_client.post(f"{URL}{slug}/publish/").status_code == 403
    assert api_client.post(f"{URL}{slug}/versions/", {"version": "2.0.0"}, format="json").status_code == 403
    assert api_client.put(f"{URL}{slug}/runbook/", {"summary": "mine now"}, format="json").status_code == 403
    assert api_client.delete(f"{URL}{slug}/").status_code == 403
    # Taking it over through the owners is refused as well.
    takeover = {"owners": [{"team": "data-platform", "role": "A"}, {"person": "kim", "role": "R"}]}
    assert api_client.patch(f"{URL}{slug}/", takeover, format="json").status_code == 403

    product = DataProduct.objects.get(pk=product.pk)
    assert (product.tier, product.lifecycle, product.quality_sla) == (2, "draft", "Refreshed before 7 AM daily")
    assert list(product.versions.values_list("version", flat=True)) == ["1.0.0"]
    assert sorted(o.party.slug for o in product.ownerships.all()) == ["alex", "data-engineering"]
    assert not Runbook.objects.exists()
    # ...while reading it is fine.
    assert api_client.get(f"{URL}{slug}/").status_code == 200


def test_the_owning_subteam_and_the_lead_edit_the_data_product(api_client, org):
    product = owned_data_product(team=org.engineering, tier=2)
    api_client.force_authenticate(org.engineering_engineer)
    assert api_client.patch(f"{URL}{product.slug}/", {"tier": 1}, format="json").status_code == 200
    api_client.force_authenticate(org.lead)
    response = api_client.patch(
        f"{URL}{product.slug}/", {"output_datasets": [{"name": "a.b", "location": ""}]}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["output_datasets"] == [{"name": "a.b", "location": ""}]
    assert DataProduct.objects.get(pk=product.pk).tier == 1


def test_a_stakeholder_reads_data_products_but_cannot_write(api_client, org):
    product = owned_data_product(team=org.engineering)
    api_client.force_authenticate(org.stakeholder)
    assert api_client.get(URL).json()["count"] == 1
    assert api_client.post(URL, payload(), format="json").status_code == 403
    assert api_client.post(f"{URL}{product.slug}/publish/").status_code == 403
    assert DataProduct.objects.count() == 1


def test_anonymous_users_get_401_on_data_products(api_client, org):
    product = owned_data_product(team=org.engineering)
    assert api_client.get(URL).status_code == 401
    assert api_client.get(f"{URL}{product.slug}/").status_code == 401
    assert api_client.post(f"{URL}{product.slug}/publish/").status_code == 401


def test_the_data_product_list_filters_like_the_services_list(api_client, org):
    owned_data_product(team=org.engineering, name="Revenue", tier=1)
    owned_data_product(team=org.platform, name="Cluster usage", tier=3, description="yarn revenue share")
    api_client.force_authenticate(org.stakeholder)

    def names(**params):
        response = api_client.get(URL, params)
        assert response.status_code == 200, response.json()
        return [row["name"] for row in response.json()["results"]]

    assert names(team="data-engineering") == ["Revenue"]
    assert names(tier=3) == ["Cluster usage"]
    assert names(lifecycle="draft") == ["Cluster usage", "Revenue"]
    assert names(kind="data_product", q="revenue") == ["Cluster usage", "Revenue"]
    assert names(ordering="tier") == ["Revenue", "Cluster usage"]


def test_the_data_product_runbook_and_dependencies_are_served_too(api_client, org):
    kafka = owned_service(team=org.platform, name="Kafka")
    product = owned_data_product(team=org.engineering, name="Orders", depends_on=[kafka])
    api_client.force_authenticate(org.engineering_engineer)
    assert api_client.get(f"{URL}{product.slug}/runbook/").status_code == 404
    runbook = {"summary": "s", "alerts": [{"alert": "stale", "steps": [{"instruction": "re-run"}]}]}
    assert api_client.put(f"{URL}{product.slug}/runbook/", runbook, format="json").status_code == 200
    assert api_client.get(f"{URL}{product.slug}/runbook/").json()["alerts"][0]["alert"] == "stale"
    body = api_client.get(f"{URL}{product.slug}/dependencies/").json()
    assert [(r["slug"], r["depth"]) for r in body["upstream"]] == [("kafka", 1)]
    assert body["downstream"] == []
