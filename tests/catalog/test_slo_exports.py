"""OpenSLO v1 export and import (round trip, invalid documents) and the PrometheusRule manifest."""

import pytest
import yaml
from rest_framework.test import APIClient

from catalog.models import Slo
from catalog.slo import openslo
from catalog.slo import services as slo_services

SLOS = "/api/v1/catalog/slos/"


@pytest.fixture
def product(make_product):
    return make_product(name="fct_daily_revenue", tier=1, output_datasets=[{"name": "finance.fct_daily_revenue"}])


@pytest.fixture
def client(org):
    client = APIClient()
    client.force_authenticate(org["ana"].user)
    return client


def _fields(slo: Slo) -> tuple:
    return (slo.entity_id, slo.sli_kind, slo.dataset, slo.objective, slo.sla, slo.target, slo.window, slo.description)


@pytest.mark.parametrize(
    ("kind", "extra"),
    [
        ("freshness", {"dataset": "finance.fct_daily_revenue", "description": "Hours since the last refresh."}),
        ("pipeline_success", {}),
        ("volume_anomaly", {"window": "calendar_month"}),
        ("latency", {"objective": 250, "sla": 800, "target": 99.5}),
    ],
)
def test_an_exported_slo_imports_back_to_the_same_slo(client, product, kind, extra):
    slo = slo_services.slo_create(actor=None, entity=product, sli_kind=kind, **extra)
    before = _fields(slo)
    text = client.get(f"{SLOS}{slo.pk}/openslo/").content.decode()
    doc = yaml.safe_load(text)
    assert (doc["apiVersion"], doc["kind"], doc["spec"]["service"]) == ("openslo/v1", "SLO", product.slug)
    slo.delete()
    response = client.post(f"{SLOS}import/", {"document": text}, format="json")
    assert response.status_code == 201, response.json()
    assert _fields(Slo.objects.get()) == before


def test_the_export_speaks_openslo(product):
    slo = slo_services.slo_create(actor=None, entity=product, sli_kind="completeness")
    doc = openslo.to_document(slo)
    assert doc["metadata"]["name"] == "fct-daily-revenue-completeness"
    assert doc["spec"]["timeWindow"] == [{"duration": "30d", "isRolling": True}]
    assert doc["spec"]["budgetingMethod"] == "Occurrences"
    assert doc["spec"]["objectives"][0]["target"] == pytest.approx(0.999)
    assert set(doc["spec"]["indicator"]["spec"]["ratioMetric"]) == {"counter", "good", "total"}


def test_importing_an_existing_slo_replaces_it(client, product):
    slo = slo_services.slo_create(actor=None, entity=product, sli_kind="pipeline_success")
    doc = openslo.to_document(slo)
    doc["spec"]["objectives"][0]["target"] = 0.999
    response = client.post(f"{SLOS}import/", {"document": yaml.safe_dump(doc)}, format="json")
    assert response.status_code == 200
    slo.refresh_from_db()
    assert slo.objective == pytest.approx(99.9)
    assert Slo.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(apiVersion="openslo/v2alpha"), "apiVersion: must be openslo/v1, not 'openslo/v2alpha'"),
        (lambda d: d.update(kind="Service"), "kind: must be SLO"),
        (lambda d: d["spec"].update(service="nope"), "spec.service: no service or data product with slug 'nope'"),
        (lambda d: d["spec"].update(timeWindow=[{"duration": "2w", "isRolling": True}]), "spec.timeWindow[0]"),
        (lambda d: d["spec"]["objectives"][0].update(target=99.5), "spec.objectives[0].target: a ratio between 0"),
        (lambda d: d["metadata"]["annotations"].pop("dataops-portal.local/sla"), "dataops-portal.local/sla"),
        (lambda d: d["spec"]["indicator"].update(spec={}), "needs a ratioMetric or a thresholdMetric"),
        (lambda d: d["metadata"].update(name="Not A DNS Label"), "metadata.name: lowercase letters"),
    ],
)
def test_an_invalid_document_is_refused_with_the_path_of_the_problem(client, product, change, message):
    slo = slo_services.slo_create(actor=None, entity=product, sli_kind="pipeline_success")
    doc = openslo.to_document(slo)
    slo.delete()
    change(doc)
    response = client.post(f"{SLOS}import/", {"document": yaml.safe_dump(doc)}, format="json")
    assert response.status_code == 400
    assert any(message in m for m in response.json()["document"]), response.json()
    assert not Slo.objects.exists()


def test_a_document_that_is_not_yaml_is_refused_with_its_line(client):
    response = client.post(f"{SLOS}import/", {"document": "apiVersion: openslo/v1\nkind: [SLO"}, format="json")
    assert response.status_code == 400
    assert response.json()["document"][0].startswith("Not valid YAML (line 2")


def test_an_imported_slo_stricter_than_nothing_is_still_checked_by_r8(client, product):
    slo = slo_services.slo_create(actor=None, entity=product, sli_kind="pipeline_success")
    doc = openslo.to_document(slo)
    slo.delete()
    doc["metadata"]["annotations"]["dataops-portal.local/sla"] = "99.9"
    response = client.post(f"{SLOS}import/", {"document": yaml.safe_dump(doc)}, format="json")
    assert response.status_code == 400
    assert "must be stricter than the SLA" in response.json()["objective"][0]


def test_another_team_cannot_import_onto_an_entity_it_does_not_own(org, product):
    slo = slo_services.slo_create(actor=None, entity=product, sli_kind="pipeline_success")
    text = openslo.export(slo)
    slo.delete()
    client = APIClient()
    client.force_authenticate(org["ben"].user)
    assert client.post(f"{SLOS}import/", {"document": text}, format="json").status_code == 403
    assert not Slo.objects.exists()


def test_the_prometheus_rule_pages_and_tickets_on_the_three_burn_rates(client, product):
    slo = slo_services.slo_create(actor=None, entity=product, sli_kind="pipeline_success")  # 99.5 %
    response = client.get(f"{SLOS}{slo.pk}/prometheus-rule/")
    assert response["Content-Type"].startswith("application/yaml")
    manifest = yaml.safe_load(response.content)
    assert (manifest["apiVersion"], manifest["kind"]) == ("monitoring.coreos.com/v1", "PrometheusRule")
    recording, alerting = manifest["spec"]["groups"]
    assert [r["record"] for r in recording["rules"]] == [
        f"slo:sli_error:ratio_rate{w}" for w in ("5m", "30m", "1h", "6h", "3d")
    ]
    alerts = {(a["labels"]["severity"], a["labels"]["long_window"]): a for a in alerting["rules"]}
    assert set(alerts) == {("page", "1h"), ("page", "6h"), ("ticket", "3d")}
    page = alerts[("page", "1h")]["expr"]
    assert 'slo:sli_error:ratio_rate1h{slo="fct-daily-revenue-pipeline-success"} > (14.4 * 0.005)' in page
    assert 'ratio_rate5m{slo="fct-daily-revenue-pipeline-success"} > (14.4 * 0.005)' in page  # the DNS-safe name
    assert "(6 * 0.005)" in alerts[("page", "6h")]["expr"] and "(1 * 0.005)" in alerts[("ticket", "3d")]["expr"]
    assert alerts[("page", "1h")]["annotations"]["runbook_url"].endswith(f"/catalog/slos/{slo.pk}/")


def test_a_freshness_rule_compares_the_age_of_the_last_refresh_with_the_objective(product):
    from catalog.slo import prometheus

    slo = slo_services.slo_create(actor=None, entity=product, sli_kind="freshness")
    query = prometheus.error_ratio_query(slo, "1h")
    assert f'portal_data_product_last_refresh_timestamp_seconds{{data_product="{product.slug}"}}' in query
    assert "<= bool 2" in query and "[1h:1m]" in query
