"""SLO pages: the list with filters, the SLO page with its charts, the form with tier defaults, the stakeholder
page's freshness, the dashboard panel, R10 with a real SLO, and the demo's SLOs."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog import services
from catalog.models import DataProduct, FreshnessHeartbeat, Slo
from catalog.slo import services as slo_services


@pytest.fixture
def product(make_product):
    return make_product(name="fct_daily_revenue", tier=1, documentation="Use it.", consumers=[])


def test_the_stakeholder_page_says_how_late_the_data_is_and_the_sla_in_words(client, org, product):
    slo_services.slo_create(actor=None, entity=product, sli_kind="freshness")
    FreshnessHeartbeat.objects.create(entity=product, refreshed_at=timezone.now() - timedelta(hours=4, minutes=10))
    client.force_login(org["sue"].user)
    page = client.get(f"/catalog/data-products/{product.slug}/overview/").content.decode()
    assert "Late by 2 h 10 min" in page
    assert "Never more than 4 hours old (99 % of the time, over any 30 days)." in page


def test_the_stakeholder_page_says_fresh_when_it_is(client, org, product):
    slo_services.slo_create(actor=None, entity=product, sli_kind="freshness")
    FreshnessHeartbeat.objects.create(entity=product, refreshed_at=timezone.now() - timedelta(minutes=20))
    client.force_login(org["sue"].user)
    page = client.get(f"/catalog/data-products/{product.slug}/overview/").content.decode()
    assert ">Fresh<" in page and "Late by" not in page


def test_a_product_without_heartbeats_says_so(client, org, product):
    client.force_login(org["sue"].user)
    page = client.get(f"/catalog/data-products/{product.slug}/overview/").content.decode()
    assert "No refresh reported yet." in page and "No service level agreed yet." in page


def test_the_slo_page_shows_the_budget_and_two_server_rendered_charts(client, org, product):
    slo = slo_services.slo_create(actor=None, entity=product, sli_kind="pipeline_success")
    now = timezone.now()
    slo_services.slo_measurements_add(
        actor=org["ana"].user,
        slo=slo,
        items=[{"timestamp": (now - timedelta(hours=h)).isoformat(), "good": 99, "total": 100} for h in range(1, 30)],
    )
    client.force_login(org["sue"].user)
    page = client.get(f"/catalog/slos/{slo.pk}/").content.decode()
    assert page.count("<svg") == 2 and '<path d="M' in page
    assert "50.4 min" in page  # 0.5 % of 7 days
    assert "Breached" in page
    assert "Edit" not in page  # a stakeholder reads


def test_the_new_slo_form_fills_in_the_tier_defaults(client, org, product):
    client.force_login(org["ana"].user)
    page = client.get("/catalog/slos/new/", {"entity": product.slug, "sli_kind": "freshness"}).content.decode()
    assert "tier-1 defaults" in page
    assert 'name="objective" value="2"' in page and 'name="sla" value="4"' in page


def test_creating_an_slo_looser_than_its_sla_on_the_page_shows_r8(client, org, product):
    client.force_login(org["ana"].user)
    response = client.post(
        "/catalog/slos/new/",
        {
            "entity": product.slug,
            "sli_kind": "freshness",
            "objective": 6,
            "sla": 4,
            "target": 99,
            "window": "rolling_30d",
        },
    )
    assert response.status_code == 400
    assert "must be stricter than the SLA" in response.content.decode()
    assert not Slo.objects.exists()


def test_another_team_cannot_edit_an_slo_on_the_page(client, org, product):
    slo = slo_services.slo_create(actor=None, entity=product, sli_kind="freshness")
    client.force_login(org["ben"].user)
    assert client.get(f"/catalog/slos/{slo.pk}/edit/").status_code == 403
    assert client.post(f"/catalog/slos/{slo.pk}/delete/").status_code == 403
    assert Slo.objects.filter(pk=slo.pk).exists()


def _list_queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/catalog/slos/", params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_slo_list_filters_and_reads_in_a_constant_number_of_queries(client, org, make_product):
    client.force_login(org["sue"].user)
    for _ in range(5):
        slo_services.slo_create(actor=None, entity=make_product(tier=2), sli_kind="freshness")
    five = _list_queries(client)
    for _ in range(20):
        slo_services.slo_create(actor=None, entity=make_product(tier=2), sli_kind="freshness")
    assert _list_queries(client) == five
    assert "No SLO matches these filters." in client.get("/catalog/slos/", {"tier": 1}).content.decode()


def test_publishing_needs_a_real_slo(org, product):
    services.data_product_update(actor=None, product=product, consumers=[{"team": org["beta"]}])
    services.data_product_version_add(actor=None, product=product, version="1.0.0", changelog="First")
    with pytest.raises(Exception, match="it needs an SLO"):
        services.data_product_publish(actor=None, product=product)
    slo_services.slo_create(actor=None, entity=product, sli_kind="freshness")
    services.data_product_publish(actor=None, product=product)
    assert DataProduct.objects.get(pk=product.pk).lifecycle == "published"


def test_the_demo_has_the_playbooks_slos_with_history_and_one_at_risk(demo, client):
    expected = {
        "fct-daily-revenue": {"freshness", "completeness", "volume_anomaly", "pipeline_success"},
        "marketing-attribution": {"freshness", "pipeline_success"},
        "raw-event-logs": {"freshness"},
    }
    for slug, kinds in expected.items():
        assert set(Slo.objects.filter(entity__slug=slug).values_list("sli_kind", flat=True)) == kinds
    assert list(Slo.objects.filter(status="at_risk").values_list("entity__slug", "sli_kind")) == [
        ("marketing-attribution", "freshness")
    ]
    assert not Slo.objects.filter(status__in=["no_data", "breached"]).exists()
    revenue = Slo.objects.get(entity__slug="fct-daily-revenue", sli_kind="pipeline_success")
    assert (revenue.objective, revenue.sla, revenue.window) == (99.5, 99.0, "rolling_7d")
    client.login(username="alex", password=__import__("django.conf").conf.settings.PORTAL_DEMO_PASSWORD)
    home = client.get("/").content.decode()
    assert "marketing_attribution freshness" in home and "Compliance per tier" in home
