"""The SLO API: tier defaults, R8, permissions, SLI ingestion (validation, all or nothing, idempotency), tokens."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from catalog.models import FreshnessHeartbeat, SliMeasurement, Slo
from catalog.slo import services as slo_services
from portal.models import AuditEvent
from portal.services import api_token_create

SLOS = "/api/v1/catalog/slos/"
FRESHNESS = "/api/v1/catalog/freshness/"


def iso(delta: timedelta = timedelta(0)) -> str:
    return (timezone.now().replace(microsecond=0) - delta).isoformat().replace("+00:00", "Z")


@pytest.fixture
def product(make_product):
    return make_product(name="fct_daily_revenue", tier=1, output_datasets=[{"name": "finance.fct_daily_revenue"}])


@pytest.fixture
def success_slo(product):
    return slo_services.slo_create(actor=None, entity=product, sli_kind="pipeline_success")


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(actor=user, user=user, name='ci')[1]}")
    return client


def test_creating_an_slo_for_a_tier_1_product_fills_in_the_playbooks_defaults(org, product):
    response = client_for(org["ana"].user).post(SLOS, {"entity": product.slug, "sli_kind": "freshness"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["objective"], body["sla"], body["target"], body["window"]) == (2.0, 4.0, 99.0, "rolling_30d")
    assert body["error_budget"] == {"percent": 1.0, "minutes": 432.0, "hours": 7.2, "words": "7.2 h"}
    assert body["sla_in_words"] == "Never more than 4 hours old (99 % of the time, over any 30 days)."
    assert AuditEvent.objects.filter(verb="slo.created", actor_repr="ana").exists()


def test_an_slo_looser_than_its_sla_is_refused_and_nothing_is_written(org, product):
    response = client_for(org["ana"].user).post(
        SLOS,
        {"entity": product.slug, "sli_kind": "completeness", "objective": 99.0, "sla": 99.5},
        format="json",
    )
    assert response.status_code == 400
    assert "must be stricter than the SLA" in response.json()["objective"][0]
    assert not Slo.objects.exists()


def test_a_second_slo_of_the_same_kind_is_refused(org, product, success_slo):
    response = client_for(org["ana"].user).post(
        SLOS, {"entity": product.slug, "sli_kind": "pipeline_success"}, format="json"
    )
    assert response.status_code == 400
    assert "already has a pipeline success rate SLO" in response.json()["sli_kind"][0]


def test_only_the_owning_team_or_the_lead_edits_an_slo(org, success_slo):
    url = f"{SLOS}{success_slo.pk}/"
    for user in (org["ben"].user, org["sue"].user):  # another subteam's engineer, a stakeholder
        assert client_for(user).patch(url, {"objective": 99.9}, format="json").status_code == 403
        assert client_for(user).delete(url).status_code == 403
        assert client_for(user).get(url).status_code == 200  # reading is open
    success_slo.refresh_from_db()
    assert success_slo.objective == 99.5
    assert client_for(org["boss"].user).patch(url, {"objective": 99.9}, format="json").status_code == 200
    assert client_for(org["ana"].user).patch(url, {"sla": 99.2}, format="json").status_code == 200
    success_slo.refresh_from_db()
    assert (success_slo.objective, success_slo.sla) == (99.9, 99.2)


def test_another_team_cannot_add_an_slo_to_an_entity_it_does_not_own(org, product):
    response = client_for(org["ben"].user).post(SLOS, {"entity": product.slug, "sli_kind": "freshness"}, format="json")
    assert response.status_code == 403
    assert not Slo.objects.exists()


def test_an_unknown_slo_is_a_404(org):
    assert client_for(org["ana"].user).get(f"{SLOS}999999/").status_code == 404


def test_measurements_are_stored_and_the_slo_evaluated(org, success_slo):
    batch = [{"timestamp": iso(timedelta(hours=h)), "good": 199, "total": 200} for h in range(1, 5)]
    response = client_for(org["ana"].user).post(
        f"{SLOS}{success_slo.pk}/measurements/", {"measurements": batch}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {"received": 4, "created": 4, "replaced": 0}
    success_slo.refresh_from_db()
    assert success_slo.compliance == pytest.approx(99.5)
    assert success_slo.budget_left_percent == pytest.approx(0.0, abs=1e-6)
    assert success_slo.status == "breached"


def test_sending_a_batch_again_changes_nothing(org, success_slo):
    batch = {"measurements": [{"timestamp": iso(timedelta(hours=1)), "good": 10, "total": 10}]}
    client = client_for(org["ana"].user)
    client.post(f"{SLOS}{success_slo.pk}/measurements/", batch, format="json")
    response = client.post(f"{SLOS}{success_slo.pk}/measurements/", batch, format="json")
    assert response.json() == {"received": 1, "created": 0, "replaced": 1}
    assert SliMeasurement.objects.filter(slo=success_slo).count() == 1


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"value": 99.1}, "measurements[1].timestamp: required"),
        ({"timestamp": "yesterday", "value": 99.1}, "measurements[1].timestamp: 'yesterday' is not an ISO 8601"),
        ({"timestamp": "2026-05-04T06:00:00", "value": 99.1}, "timestamp: '2026-05-04T06:00:00' has no time zone"),
        ({"timestamp": "FUTURE", "good": 1, "total": 1}, "is in the future"),
        ({"timestamp": "T", "good": -1, "total": 3}, "measurements[1].good: -1 is negative"),
        ({"timestamp": "T", "good": 12, "total": 10}, "measurements[1].good: 12 good events is more than the 10"),
        ({"timestamp": "T", "value": 101}, "measurements[1].value: 101 is not a percentage"),
        ({"timestamp": "T", "value": "NaN"}, "measurements[1].value: 'NaN' is not a number"),
        ({"timestamp": "T", "good": 3}, "measurements[1].total: required with good"),
        ({"timestamp": "T", "value": 99, "good": 1, "total": 1}, "measurements[1]: give either a value, or good"),
    ],
)  # fmt: skip
def test_a_bad_item_is_a_400_naming_it_and_nothing_of_the_batch_is_written(org, success_slo, item, message):
    item = dict(item)
    if item.get("timestamp") == "T":
        item["timestamp"] = iso(timedelta(hours=2))
    if item.get("timestamp") == "FUTURE":
        item["timestamp"] = iso(-timedelta(hours=1))
    batch = {"measurements": [{"timestamp": iso(timedelta(hours=1)), "good": 1, "total": 1}, item]}
    response = client_for(org["ana"].user).post(f"{SLOS}{success_slo.pk}/measurements/", batch, format="json")
    assert response.status_code == 400
    assert any(message in m for m in response.json()["measurements"]), response.json()
    assert not SliMeasurement.objects.exists()


def test_a_nan_literal_in_the_json_is_named_too(org, success_slo):
    completeness = slo_services.slo_create(actor=None, entity=success_slo.entity, sli_kind="completeness")
    body = '{"measurements": [{"timestamp": "TS", "value": NaN}]}'.replace("TS", iso(timedelta(hours=1)))
    response = client_for(org["ana"].user).post(
        f"{SLOS}{completeness.pk}/measurements/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {"measurements": ["measurements[0].value: nan is not a finite number"]}


def test_a_freshness_slo_takes_heartbeats_not_measurements(org, product):
    slo = slo_services.slo_create(actor=None, entity=product, sli_kind="freshness")
    response = client_for(org["ana"].user).post(
        f"{SLOS}{slo.pk}/measurements/", {"measurements": [{"timestamp": iso(), "value": 1}]}, format="json"
    )
    assert response.status_code == 400
    assert "/api/v1/catalog/freshness/" in response.json()["measurements"][0]


def test_an_automation_token_pushes_slis_for_what_its_user_may_edit_only(org, success_slo, make_product):
    others = make_product(team=org["beta"], tier=1)
    their_slo = slo_services.slo_create(actor=None, entity=others, sli_kind="pipeline_success")
    client = token_client(org["ana"].user)
    ok = client.post(
        f"{SLOS}{success_slo.pk}/measurements/", {"measurements": [{"timestamp": iso(), "good": 5, "total": 5}]},
        format="json",
    )  # fmt: skip
    assert ok.status_code == 200
    refused = client.post(
        f"{SLOS}{their_slo.pk}/measurements/", {"measurements": [{"timestamp": iso(), "good": 5, "total": 5}]},
        format="json",
    )  # fmt: skip
    assert refused.status_code == 403
    assert not SliMeasurement.objects.filter(slo=their_slo).exists()
    assert APIClient().post(f"{SLOS}{success_slo.pk}/measurements/", {}, format="json").status_code == 401


def test_heartbeats_by_slug_or_dataset_update_freshness(org, product):
    slo = slo_services.slo_create(actor=None, entity=product, sli_kind="freshness")
    beats = [
        {"data_product": product.slug, "refreshed_at": iso(timedelta(hours=2))},
        {"dataset": "finance.fct_daily_revenue", "refreshed_at": iso(timedelta(minutes=30))},
    ]
    client = token_client(org["ana"].user)
    response = client.post(FRESHNESS, {"heartbeats": beats}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {"received": 2, "created": 2}
    assert client.post(FRESHNESS, {"heartbeats": beats}, format="json").json() == {"received": 2, "created": 0}
    slo.refresh_from_db()
    assert slo.status == "ok"
    assert FreshnessHeartbeat.objects.count() == 2


def test_a_bad_heartbeat_names_the_item_and_writes_nothing(org, product):
    beats = [
        {"data_product": product.slug, "refreshed_at": iso()},
        {"data_product": "nope", "refreshed_at": iso()},
        {"dataset": "finance.unknown", "refreshed_at": iso()},
    ]
    response = client_for(org["ana"].user).post(FRESHNESS, {"heartbeats": beats}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "heartbeats": [
            "heartbeats[1].data_product: no data product with slug 'nope'",
            "heartbeats[2].dataset: no output dataset named 'finance.unknown'",
        ]
    }
    assert not FreshnessHeartbeat.objects.exists()


def test_heartbeats_for_another_teams_product_are_refused(org, product):
    response = client_for(org["ben"].user).post(
        FRESHNESS, {"heartbeats": [{"data_product": product.slug, "refreshed_at": iso()}]}, format="json"
    )
    assert response.status_code == 403
    assert "heartbeats[0]" in response.json()["detail"]
    assert not FreshnessHeartbeat.objects.exists()


def test_the_list_filters_by_tier_status_and_team(org, product, success_slo, make_product):
    tier3 = make_product(team=org["beta"], tier=3)
    slo_services.slo_create(actor=None, entity=tier3, sli_kind="freshness")
    client = client_for(org["sue"].user)
    assert [r["id"] for r in client.get(SLOS, {"tier": 1}).json()["results"]] == [success_slo.pk]
    assert [r["entity"]["slug"] for r in client.get(SLOS, {"team": org["beta"].slug}).json()["results"]] == [tier3.slug]
    assert client.get(SLOS, {"status": "no_data"}).json()["count"] == 2
    assert client.get(SLOS, {"status": "breached"}).json()["count"] == 0
    assert client.get(SLOS, {"team": "nope"}).status_code == 400


def test_the_detail_is_evaluated_now(org, success_slo):
    body = client_for(org["sue"].user).get(f"{SLOS}{success_slo.pk}/").json()
    assert body["evaluation"]["status"] == "no_data"
    assert set(body["evaluation"]["burn_rates"]) == {"5m", "30m", "1h", "6h", "3d"}


def test_the_tier_defaults_endpoint_offers_r7(org, product):
    body = client_for(org["sue"].user).get(f"{SLOS}defaults/", {"entity": product.slug}).json()
    assert body["tier"] == 1
    assert body["defaults"]["pipeline_success"] == {"objective": 99.5, "sla": 99.0, "window": "rolling_7d"}


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(SLOS, {"page_size": 100})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_list_reads_in_a_constant_number_of_queries(org, make_product):
    client = client_for(org["sue"].user)

    def add(n):
        for _ in range(n):
            slo_services.slo_create(actor=None, entity=make_product(tier=1), sli_kind="freshness")

    add(5)
    five = _list_queries(client)
    add(45)
    assert _list_queries(client) == five
