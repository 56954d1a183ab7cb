"""Stored API documents (catalog/api/documents.py): after every kind of write, what the API serves is what a fresh
build shows. Each test first reads every document (so each is stored), then writes, then compares: a write that
forgot to put a document out of date would serve the stored one."""

import json
import logging
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection, transaction
from django.db.models import F
from rest_framework.renderers import JSONRenderer

from catalog import services
from catalog.api import documents, read_model
from catalog.api.serializers import DataProductSerializer, ServiceSerializer
from catalog.choices import EntityKind
from catalog.importers.backstage import import_descriptors
from catalog.models import DataProduct, Entity, EntityDocument, Service
from catalog.rules import OwnerSpec

API = "/api/v1/catalog"


def _fresh(model, pk: int) -> dict:
    """The entity built now from its rows, without the stored documents."""
    serializer = DataProductSerializer() if model is DataProduct else ServiceSerializer()
    return serializer.document(read_model.rows_in_order(model, [pk])[0])


def _models():
    for entity in Entity.objects.order_by("pk"):
        yield (DataProduct if entity.kind == EntityKind.DATA_PRODUCT else Service), entity.pk


def _served(model, pk: int) -> dict:
    [(_slug, body)] = documents.read(model, [pk])
    return json.loads(body)


def assert_served_fresh() -> None:
    """Every entity's served document is its fresh build; afterwards every document is stored and current."""
    for model, pk in _models():
        assert _served(model, pk) == _fresh(model, pk), f"entity {pk}: a stored document out of date was served"


@pytest.fixture
def catalog(org, make_service, make_product):
    """a <- b (b depends on a); a product that depends on a, owned by alpha, consumed by beta and ana."""
    a = make_service(name="Kafka")
    b = make_service(name="Ingest", depends_on=[a])
    product = make_product(
        name="Orders",
        depends_on=[a],
        consumers=[{"team": org["beta"], "purpose": "reports"}, {"person": org["ana"], "purpose": ""}],
        output_datasets=[{"name": "lake.orders", "location": "s3://lake/orders"}],
        contract_fields=[{"name": "id", "type": "string"}],
    )
    assert_served_fresh()  # every document stored
    assert EntityDocument.objects.count() == 3
    return {"a": a, "b": b, "product": product}


def _stored_count() -> int:
    """Documents stored and current."""
    return EntityDocument.objects.filter(built=F("wanted"), shape=documents.SHAPE).count()


def test_a_read_stores_the_documents_and_the_next_read_uses_them(catalog, django_assert_num_queries):
    assert _stored_count() == 3
    with django_assert_num_queries(1):  # the stored bodies by id, nothing built
        documents.read(Service, [catalog["a"].pk, catalog["b"].pk])


def test_an_entity_edit_is_served(catalog):
    services.service_update(actor=None, service=catalog["a"], description="The event backbone", tier=1)
    assert _served(Service, catalog["a"].pk)["description"] == "The event backbone"
    assert_served_fresh()


def test_a_renamed_slug_is_served_in_what_depends_on_it_and_what_it_depends_on(catalog):
    a = catalog["a"]
    a.slug = "kafka-main"
    a.save()
    assert _served(Service, catalog["b"].pk)["depends_on"] == ["kafka-main"]
    assert_served_fresh()
    b = Service.objects.get(pk=catalog["b"].pk)
    b.slug = "ingest-main"
    b.save()
    assert _served(Service, a.pk)["dependents"] == ["ingest-main", "orders"]
    assert_served_fresh()


def test_new_owners_are_served(catalog, org):
    services.ownership_set(
        actor=None,
        entity=catalog["a"],
        owners=[OwnerSpec(role="A", person=org["ben"]), OwnerSpec(role="R", team=org["beta"])],
    )
    assert _served(Service, catalog["a"].pk)["owners"]["accountable"]["slug"] == org["ben"].slug
    assert_served_fresh()


def test_a_renamed_team_or_person_is_served_where_they_own_or_consume(catalog, org):
    services.team_update(actor=None, team=org["alpha"], name="Alpha Prime", chat_channel="#alpha")
    assert _served(Service, catalog["a"].pk)["owners"]["accountable"]["name"] == "Alpha Prime"
    assert_served_fresh()
    services.team_update(actor=None, team=org["beta"], email="beta@x.io")  # a consumer of the product
    services.person_update(actor=None, person=org["ana"], email="ana@new.io")
    consumers = _served(DataProduct, catalog["product"].pk)["consumers"]
    assert {c["email"] for c in consumers} == {"beta@x.io", "ana@new.io"}
    assert_served_fresh()


def test_domains_and_systems_their_renames_and_deletes_are_served(catalog):
    domain = services.domain_create(actor=None, name="Finance")
    system = services.system_create(actor=None, name="Lakehouse", domain=domain)
    services.service_update(actor=None, service=catalog["a"], domain=domain, system=system)
    assert_served_fresh()
    services.domain_update(actor=None, domain=domain, slug="money")
    services.system_update(actor=None, system=system, slug="lake")
    served = _served(Service, catalog["a"].pk)
    assert (served["domain"], served["system"]) == ("money", "lake")
    assert_served_fresh()
    services.system_delete(actor=None, system=system)
    services.domain_delete(actor=None, domain=domain)
    served = _served(Service, catalog["a"].pk)
    assert (served["domain"], served["system"]) == (None, None)
    assert_served_fresh()


def test_changed_dependencies_are_served_on_both_sides(catalog):
    services.service_update(actor=None, service=catalog["b"], depends_on=[catalog["product"]])
    assert _served(Service, catalog["a"].pk)["dependents"] == ["orders"]
    assert _served(DataProduct, catalog["product"].pk)["dependents"] == ["ingest"]
    assert_served_fresh()


def test_a_runbook_is_served_and_clears_the_tier_1_flag(catalog):
    services.service_update(actor=None, service=catalog["a"], tier=1)
    assert "no runbook" in " ".join(_served(Service, catalog["a"].pk)["flags"])
    services.runbook_save(actor=None, entity=catalog["a"], alerts=[{"alert": "down", "steps": [{"instruction": "x"}]}])
    served = _served(Service, catalog["a"].pk)
    assert served["has_runbook"] is True and served["flags"] == []
    assert_served_fresh()


def test_a_data_products_rows_are_served(catalog, org):
    product = catalog["product"]
    services.data_product_version_add(actor=None, product=product, version="1.0.0")
    assert _served(DataProduct, product.pk)["current_version"]["version"] == "1.0.0"
    services.data_product_update(
        actor=None,
        product=product,
        consumers=[{"team": org["root"], "purpose": "board"}],
        output_datasets=[],
        contract_fields=[{"name": "id", "type": "string"}, {"name": "day", "type": "date"}],
    )
    served = _served(DataProduct, product.pk)
    assert [c["slug"] for c in served["consumers"]] == [org["root"].slug]
    assert served["output_datasets"] == [] and len(served["contract_fields"]) == 2
    assert_served_fresh()


def test_deletes_are_served_by_what_named_the_deleted(catalog, org):
    services.entity_delete(actor=None, entity=catalog["a"])
    assert _served(Service, catalog["b"].pk)["depends_on"] == []
    assert_served_fresh()
    services.team_delete(actor=None, team=org["beta"])  # a consumer of the product
    services.person_delete(actor=None, person=org["ana"])
    assert _served(DataProduct, catalog["product"].pk)["consumers"] == []
    assert_served_fresh()


def test_a_document_built_before_a_change_that_commits_meanwhile_is_not_served(catalog, monkeypatch):
    """A reader reads the rows, a writer commits a change, then the reader stores its body: the body carries the
    counter it was read with, so it is not taken for the changed entity's."""
    a = catalog["a"]
    services.service_update(actor=None, service=a, description="before")
    before = read_model.rows_in_order(Service, [a.pk])  # the reader's snapshot
    services.service_update(actor=None, service=a, description="after")  # the writer commits
    monkeypatch.setattr(read_model, "rows_in_order", lambda model, ids: before)
    documents.build(Service, [a.pk])  # the reader stores what it read
    monkeypatch.undo()
    assert _served(Service, a.pk)["description"] == "after"


def test_a_document_read_before_its_row_existed_is_not_served_after_a_change(catalog, monkeypatch):
    """An entity written without signals has no row until a read makes one; a writer meanwhile has no counter to
    move, so the reader's row must start out of date."""
    a = catalog["a"]
    EntityDocument.objects.filter(entity_id=a.pk).delete()
    before = read_model.rows_in_order(Service, [a.pk])  # the reader's snapshot: no row, no counter
    services.service_update(actor=None, service=a, description="after")  # moves nothing: there is no row
    monkeypatch.setattr(read_model, "rows_in_order", lambda model, ids: before)
    documents.build(Service, [a.pk])
    monkeypatch.undo()
    assert _served(Service, a.pk)["description"] == "after"


def test_an_edit_that_keeps_the_slug_leaves_the_neighbours_documents_alone(catalog):
    services.service_update(actor=None, service=catalog["a"], description="busier than ever")
    for entity in (catalog["b"], catalog["product"]):  # both depend on a, and show it by slug only
        kept = EntityDocument.objects.get(entity=entity)
        assert kept.built == kept.wanted
    assert_served_fresh()


def test_a_document_built_by_other_code_is_built_again(catalog):
    EntityDocument.objects.filter(entity_id=catalog["a"].pk).update(shape="older-code", body='{"slug":"stale"}')
    assert _served(Service, catalog["a"].pk) == _fresh(Service, catalog["a"].pk)


def test_an_entity_written_without_signals_gets_its_document_on_first_read(catalog):
    EntityDocument.objects.filter(entity_id=catalog["a"].pk).delete()
    assert _served(Service, catalog["a"].pk) == _fresh(Service, catalog["a"].pk)
    assert EntityDocument.objects.filter(entity_id=catalog["a"].pk).exists()


def test_an_import_serves_renamed_teams_and_the_imported_entities(catalog, org):
    files = [
        (
            "catalog-info.yaml",
            "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: alpha\n  title: Alpha Imported\n"
            "spec:\n  type: team\n  children: []\n---\n"
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: billing\nspec:\n"
            "  type: service\n  lifecycle: production\n  owner: group:default/alpha\n"
            "  dependsOn: [component:default/kafka]\n",
        )
    ]
    import_descriptors(actor=None, sources=files)
    billing = Service.objects.get(slug="billing")
    assert EntityDocument.objects.get(entity=billing).built == EntityDocument.objects.get(entity=billing).wanted
    assert _served(Service, catalog["a"].pk)["owners"]["accountable"]["name"] == "Alpha Imported"
    assert _served(Service, catalog["a"].pk)["dependents"] == ["billing", "ingest", "orders"]
    assert_served_fresh()


def test_an_import_stands_when_building_its_documents_fails(catalog, monkeypatch, caplog):
    def broken(entity_ids=None):
        raise OperationalError("server closed the connection")

    monkeypatch.setattr(documents, "refresh", broken)
    files = [
        ("a.yaml", "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: gamma\nspec:\n  type: team\n")
    ]
    import_descriptors(actor=None, sources=files)
    assert "built on its first read" in caplog.text
    monkeypatch.undo()
    assert_served_fresh()


def test_a_spliced_list_is_byte_for_byte_what_drf_renders(api_client, catalog, org):
    api_client.force_authenticate(org["sue"].user)
    for url in (
        f"{API}/services/",
        f"{API}/data-products/",
        f"{API}/services/kafka/",
        f"{API}/services/?team=nobody-x",
    ):
        response = api_client.get(url)
        if response.status_code == 200:
            assert response.content == JSONRenderer().render(json.loads(response.content)), url


def test_refresh_documents_builds_every_document(catalog):
    EntityDocument.objects.update(wanted=99)
    out = StringIO()
    call_command("refresh_documents", stdout=out)
    assert out.getvalue().startswith("Built 3 document(s)")
    assert _stored_count() == 3


def test_the_api_serves_stored_documents_with_links_in_every_format(api_client, catalog, org):
    api_client.force_authenticate(org["sue"].user)
    a = catalog["a"]
    EntityDocument.objects.filter(entity_id=a.pk).update(body=json.dumps(_fresh(Service, a.pk) | {"name": "Stored"}))
    detail = api_client.get(f"{API}/services/{a.slug}/")
    assert detail.json()["name"] == "Stored"  # the stored body, as it is
    assert detail.json()["links"]["self"] == f"http://testserver{API}/services/{a.slug}/"
    listed = api_client.get(f"{API}/services/", {"page_size": 1, "ordering": "name"})  # Ingest, then Kafka
    second = api_client.get(f"{API}/services/", {"page_size": 1, "ordering": "name", "page": 2}).json()
    assert listed.json()["count"] == 2 and second["results"][0]["name"] == "Stored"
    indented = api_client.get(f"{API}/services/{a.slug}/", HTTP_ACCEPT="application/json; indent=2")
    assert indented.content.startswith(b'{\n  "slug"') and json.loads(indented.content)["name"] == "Stored"
    browsable = api_client.get(f"{API}/services/", {"format": "api"})
    assert browsable.status_code == 200 and b"Stored" in browsable.content
    assert json.loads(api_client.get(f"{API}/services/", {"format": "json"}).content)["results"][1]["links"][
        "self"
    ].endswith(f"/services/{a.slug}/?format=json")


def test_documents_are_plain_json_text_in_the_database(catalog):
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM catalog_entitydocument WHERE entity_id = %s", [catalog["a"].pk])
        [(body,)] = cursor.fetchall()
    assert json.loads(body)["slug"] == "kafka" and "links" not in json.loads(body)


def test_a_document_that_cannot_be_kept_is_still_served(catalog, monkeypatch, caplog):
    """Keeping a body can fail (a writer holds the row): the read answers anyway, and builds it again next time."""
    caplog.set_level(logging.INFO, logger="catalog.api.documents")
    services.service_update(actor=None, service=catalog["a"], description="changed")

    def deadlock(*args, **kwargs):
        raise OperationalError("deadlock detected")

    monkeypatch.setattr(documents, "connection", SimpleNamespace(cursor=deadlock))
    with transaction.atomic():  # an enclosing transaction stays usable
        assert _served(Service, catalog["a"].pk)["description"] == "changed"
        assert Service.objects.filter(pk=catalog["a"].pk).exists()
    assert "not kept" in caplog.text
    monkeypatch.undo()
    kept = EntityDocument.objects.get(entity_id=catalog["a"].pk)
    assert kept.built != kept.wanted  # still out of date: built again on the next read
    assert_served_fresh()
    assert _stored_count() == 3
