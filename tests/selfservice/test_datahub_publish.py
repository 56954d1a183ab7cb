"""Publishing the catalog to DataHub: the emitter against a fake GMS, read back with the SDK's own classes."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog import services as catalog_services
from catalog.rules import OwnerSpec
from selfservice.datahub import services
from selfservice.models import DataHubPublication
from tests.conftest import wait_for
from tests.selfservice.datahub_fixtures import fake_datahub_fixture, make_product  # noqa: F401 (a fixture)


def aspect(fake, urn: str, name: str):
    """What DataHub stored for (urn, aspect), parsed with the SDK's class for it."""
    from datahub.metadata.schema_classes import ASPECT_NAME_MAP

    return ASPECT_NAME_MAP[name].from_obj(fake.aspects[(urn, name)])


def test_proposals_parse_back_with_the_sdk_and_map_raci_to_datahub_ownership_types(people, fake_datahub, settings):
    from datahub.metadata.schema_classes import MetadataChangeProposalClass, OwnershipTypeClass

    settings.DATAHUB_GMS_URL = ""  # no automatic publication: this test publishes by hand
    product = make_product(people)
    settings.DATAHUB_GMS_URL = fake_datahub.url
    publication = services.data_product_publish(entity_id=product.pk)
    assert publication.status == "published" and publication.urn == "urn:li:dataProduct:daily-revenue"

    proposals = [MetadataChangeProposalClass.from_obj(p) for p in fake_datahub.proposals()]
    assert [(p.entityType, p.aspectName, p.changeType) for p in proposals] == [
        ("domain", "domainProperties", "UPSERT"),
        ("dataProduct", "dataProductProperties", "UPSERT"),
        ("dataProduct", "ownership", "UPSERT"),
        ("dataProduct", "institutionalMemory", "UPSERT"),
        ("dataProduct", "domains", "UPSERT"),
    ]
    urn = "urn:li:dataProduct:daily-revenue"
    assert aspect(fake_datahub, "urn:li:domain:finance", "domainProperties").name == "Finance"
    properties = aspect(fake_datahub, urn, "dataProductProperties")
    assert properties.name == "Daily Revenue" and properties.customProperties["tier"] == "1"
    owners = {(o.owner, o.type) for o in aspect(fake_datahub, urn, "ownership").owners}
    assert owners == {
        ("urn:li:corpuser:sam", OwnershipTypeClass.BUSINESS_OWNER),  # Accountable
        ("urn:li:corpGroup:data-engineering", OwnershipTypeClass.TECHNICAL_OWNER),  # Responsible
    }  # Informed is not an owner
    links = {(e.url, e.description) for e in aspect(fake_datahub, urn, "institutionalMemory").elements}
    assert ("https://docs.example.com/revenue", "Documentation") in links
    assert any(url.endswith("/catalog/data-products/daily-revenue/") or "daily-revenue" in url for url, _ in links)
    assert aspect(fake_datahub, urn, "domains").domains == ["urn:li:domain:finance"]
    assert all(r.headers["authorization"] == f"Bearer {fake_datahub.token}" for r in fake_datahub.requests)


def test_publishing_twice_is_harmless_and_a_removed_owner_disappears_from_datahub(people, fake_datahub, settings):
    settings.DATAHUB_GMS_URL = ""
    product = make_product(people)
    settings.DATAHUB_GMS_URL = fake_datahub.url
    services.data_product_publish(entity_id=product.pk)
    first = dict(fake_datahub.aspects)
    services.data_product_publish(entity_id=product.pk)
    assert fake_datahub.aspects.keys() == first.keys()
    assert DataHubPublication.objects.filter(entity=product).count() == 1

    catalog_services.ownership_set(
        actor=people["sam"],
        entity=product,
        owners=[OwnerSpec("A", team=people["de"]), OwnerSpec("R", team=people["de"])],
    )
    services.data_product_publish(entity_id=product.pk)
    owners = aspect(fake_datahub, "urn:li:dataProduct:daily-revenue", "ownership").owners
    assert [(o.owner, o.type) for o in owners] == [
        ("urn:li:corpGroup:data-engineering", "BUSINESS_OWNER"),
        ("urn:li:corpGroup:data-engineering", "TECHNICAL_OWNER"),
    ]


def test_a_bad_token_is_recorded_on_the_entity_and_not_retried(people, fake_datahub, settings):
    settings.DATAHUB_GMS_URL = ""
    product = make_product(people)
    settings.DATAHUB_GMS_URL = fake_datahub.url
    settings.DATAHUB_TOKEN = "wrong"  # noqa: S105
    publication = services.data_product_publish(entity_id=product.pk, final_attempt=False)  # raises if transient
    assert publication.status == "failed"
    assert (
        publication.last_error.startswith("DataHub refused the token (401)")
        and "DATAHUB_TOKEN" in publication.last_error
    )


def test_a_datahub_5xx_is_transient_and_recorded_until_a_retry_succeeds(people, fake_datahub, settings):
    settings.DATAHUB_GMS_URL = ""
    product = make_product(people)
    settings.DATAHUB_GMS_URL = fake_datahub.url
    fake_datahub.fail_next.append((500, "java.lang.RuntimeException: Kafka unavailable"))
    with pytest.raises(services.PublishFailed) as failure:
        services.data_product_publish(entity_id=product.pk, final_attempt=False)
    assert failure.value.transient
    publication = DataHubPublication.objects.get(entity=product)
    assert publication.status == "failed" and "DataHub answered 500" in publication.last_error
    assert services.data_product_publish(entity_id=product.pk).status == "published"


def test_datahub_unreachable_never_blocks_a_catalog_edit(
    people, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.DATAHUB_GMS_URL = "http://127.0.0.1:9"  # nothing listens there
    from selfservice.datahub import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("broker unavailable")

    monkeypatch.setattr(tasks.publish_to_datahub, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        product = make_product(people)  # the edit goes through although nothing can be queued
    assert len(callbacks) == 1  # one publication for the edit, not one per changed row
    product.refresh_from_db()
    publication = DataHubPublication.objects.get(entity=product)
    assert publication.status == "failed" and "Not queued: broker unavailable" in publication.last_error
    direct = services.data_product_publish(entity_id=product.pk)
    assert direct.status == "failed" and "DataHub is unreachable" in direct.last_error


def test_the_command_publishes_everything_and_says_how_many(people, fake_datahub, settings, capsys):
    settings.DATAHUB_GMS_URL = ""
    make_product(people)
    settings.DATAHUB_GMS_URL = fake_datahub.url
    call_command("publish_datahub")
    assert "Published 1 of 1 data product(s) to DataHub." in capsys.readouterr().out
    settings.DATAHUB_GMS_URL = ""
    with pytest.raises(CommandError, match="DATAHUB_GMS_URL is not set"):
        call_command("publish_datahub")


def test_without_datahub_configured_catalog_edits_queue_nothing(people, settings):
    settings.DATAHUB_GMS_URL = ""
    make_product(people)
    assert not DataHubPublication.objects.exists()


def test_only_the_lead_publishes_everything_and_everyone_reads_the_status(api_client, people, fake_datahub, settings):
    settings.DATAHUB_GMS_URL = ""
    make_product(people)
    settings.DATAHUB_GMS_URL = fake_datahub.url
    url = "/api/v1/selfservice/datahub/publications/publish-all/"
    api_client.force_authenticate(people["ana"])
    assert api_client.post(url).status_code == 403
    api_client.force_authenticate(people["sue"])
    assert api_client.post(url).status_code == 403
    api_client.force_authenticate(people["boss"])
    response = api_client.post(url)
    assert response.status_code == 202 and response.json() == {"queued": 1}
    api_client.force_authenticate(people["sue"])
    listed = api_client.get("/api/v1/selfservice/datahub/publications/").json()
    assert [(p["entity"], p["status"]) for p in listed["results"]] == [("daily-revenue", "pending")]
    assert api_client.get("/api/v1/selfservice/datahub/publications/daily-revenue/").status_code == 200


@pytest.mark.integration
def test_a_catalog_edit_is_published_once_through_the_worker(people, fake_datahub, settings, celery_worker_process):
    celery_worker_process.start(
        env={"DATAHUB_GMS_URL": fake_datahub.url, "DATAHUB_TOKEN": fake_datahub.token, "DATAHUB_RETRY_BACKOFF": "1"}
    )
    fake_datahub.fail_next.append((503, "Service Unavailable"))  # the first attempt meets a 503: retried
    product = make_product(people)
    wait_for(
        lambda: DataHubPublication.objects.filter(entity=product, status="published").exists(),
        60,
        "the data product to be published",
    )
    owners = aspect(fake_datahub, "urn:li:dataProduct:daily-revenue", "ownership").owners
    assert {o.type for o in owners} == {"BUSINESS_OWNER", "TECHNICAL_OWNER"}
    ownership_posts = [p for p in fake_datahub.proposals() if p["aspectName"] == "ownership"]
    assert len(ownership_posts) == 1  # one publication for the whole edit, not one per changed row
    assert json.loads(ownership_posts[0]["aspect"]["value"])["owners"]


def test_a_failed_publication_shows_on_the_entity_page(client, people, fake_datahub, settings):
    settings.DATAHUB_GMS_URL = ""
    product = make_product(people)
    settings.DATAHUB_GMS_URL = fake_datahub.url
    settings.DATAHUB_TOKEN = "wrong"  # noqa: S105
    services.data_product_publish(entity_id=product.pk, final_attempt=False)
    client.force_login(people["ana"])
    html = client.get(f"/catalog/data-products/{product.slug}/").content.decode()
    assert 'data-testid="datahub-status">Failed</span>' in html
    assert "DataHub refused the token (401)" in html
