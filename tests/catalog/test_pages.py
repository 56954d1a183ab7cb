"""The catalog's pages: lists, details, forms and their permissions, with a constant number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import services
from catalog.models import DataProduct, Entity, Service
from catalog.rules import OwnerSpec
from portal.models import AuditEvent


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_anonymous_visitors_see_only_the_sign_in_page(client, org, make_service):
    service = make_service()
    for url in ("/catalog/", "/catalog/services/", f"/catalog/services/{service.slug}/", "/catalog/search/?q=x"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("path", ["/catalog/services/", "/catalog/data-products/"])
def test_list_pages_use_the_same_number_of_queries_for_5_and_50_rows(client, org, make_service, make_product, path):
    make = make_service if "services" in path else make_product
    client.force_login(org["ana"].user)
    for _ in range(5):
        make()
    five = _queries(client, path + "?page_size=50")
    for _ in range(45):
        make()
    fifty = _queries(client, path)
    assert five == fifty


def test_detail_pages_use_a_constant_number_of_queries(client, org, make_service, make_product):
    client.force_login(org["ana"].user)
    small = make_service()
    big = make_service(depends_on=[make_service() for _ in range(6)])
    for _ in range(4):
        make_service(depends_on=[big])
    assert _queries(client, f"/catalog/services/{small.slug}/") == _queries(client, f"/catalog/services/{big.slug}/")
    p1 = make_product()
    p2 = make_product(consumers=[{"team": org["beta"]}, {"person": org["sue"]}], depends_on=[small, big])
    services.data_product_version_add(actor=None, product=p2, version="1.0.0")
    services.data_product_version_add(actor=None, product=p2, version="1.1.0")
    for suffix in ("", "overview/"):
        assert _queries(client, f"/catalog/data-products/{p1.slug}/{suffix}") == _queries(
            client, f"/catalog/data-products/{p2.slug}/{suffix}"
        )


def test_lists_filter_by_team_tier_kind_and_text(client, org, make_service):
    make_service(name="Kafka", team=org["alpha"], tier=1, kind="platform_component")
    make_service(name="Orders API", team=org["beta"], tier=2, kind="api", description="serves orders")
    client.force_login(org["sue"].user)
    names = lambda url: [e.name for e in client.get(url).context["page"].object_list]  # noqa: E731
    assert names("/catalog/services/?team=beta") == ["Orders API"]
    assert names("/catalog/services/?tier=1") == ["Kafka"]
    assert names("/catalog/services/?kind=api") == ["Orders API"]
    assert names("/catalog/services/?q=orders") == ["Orders API"]


def test_an_htmx_filter_request_gets_only_the_results(client, org, make_service):
    make_service(name="Kafka")
    client.force_login(org["ana"].user)
    response = client.get("/catalog/services/?q=kaf", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results">') and "Kafka" in html and "<html" not in html


def test_the_service_page_shows_raci_dependencies_both_ways_and_history(client, org, make_service):
    base = make_service(name="ZooKeeper")
    middle = make_service(name="Kafka", depends_on=[base])
    top = make_service(name="CDC ingestion", depends_on=[middle])
    client.force_login(org["sue"].user)
    html = client.get(f"/catalog/services/{middle.slug}/").content.decode()
    assert "Accountable" in html and "Alpha" in html
    assert "ZooKeeper" in html and "CDC ingestion" in html
    assert "<svg" in html and 'aria-label="Dependency graph of Kafka"' in html
    assert "service.created" in html
    # Any depth: ZooKeeper sees CDC ingestion two steps away.
    html = client.get(f"/catalog/services/{base.slug}/").content.decode()
    assert top.name in html and "(via 1 step)" in html


def test_a_description_with_a_script_is_rendered_without_it(client, org, make_service):
    service = make_service(description='**bold** <script>alert("x")</script> <img src=x onerror=alert(1)>')
    client.force_login(org["ana"].user)
    html = client.get(f"/catalog/services/{service.slug}/").content.decode()
    description = html[html.index('<div class="prose">') :].split("</div>", 1)[0]
    assert "<strong>bold</strong>" in description
    assert "<script" not in description and "onerror" not in description
    assert '<script>alert("x")' not in html  # nowhere on the page, the audit trail included (escaped there)


def _service_form(service_or_none, **overrides) -> dict:
    data = {
        "name": "Trino",
        "kind": "platform_component",
        "tier": "1",
        "lifecycle": "production",
        "description": "",
        "accountable": "team:alpha",
        "responsible": ["team:alpha"],
        "depends_on": "",
    }
    data.update(overrides)
    return data


def test_an_engineer_creates_a_service_through_the_form(client, org):
    client.force_login(org["ana"].user)
    response = client.post("/catalog/services/new/", _service_form(None, consulted=["person:ben"]))
    service = Service.objects.get(name="Trino")
    assert response.status_code == 302 and response["Location"] == f"/catalog/services/{service.slug}/"
    assert sorted(service.ownerships.values_list("role", flat=True)) == ["A", "C", "R"]
    assert AuditEvent.objects.filter(verb="service.created", actor_repr="ana").exists()


def test_the_form_refuses_a_service_without_an_accountable_owner_naming_the_field(client, org):
    client.force_login(org["ana"].user)
    response = client.post("/catalog/services/new/", _service_form(None, accountable=""))
    assert response.status_code == 400
    assert "Accountable: This field is required." in response.content.decode()
    assert not Service.objects.exists()


def test_the_form_refuses_an_unknown_dependency(client, org):
    client.force_login(org["ana"].user)
    response = client.post("/catalog/services/new/", _service_form(None, depends_on="nope, also-nope"))
    assert response.status_code == 400
    assert "Not in the catalog: nope, also-nope." in response.content.decode()
    assert not Service.objects.exists()


def test_a_member_of_another_subteam_cannot_edit_a_data_product_through_the_form(client, org, make_product):
    product = make_product(team=org["alpha"], description="original")
    client.force_login(org["ben"].user)  # Beta
    assert client.get(f"/catalog/data-products/{product.slug}/edit/").status_code == 403
    response = client.post(
        f"/catalog/data-products/{product.slug}/edit/",
        {
            "name": "hijacked",
            "tier": "1",
            "lifecycle": "draft",
            "accountable": "team:beta",
            "responsible": ["team:beta"],
        },
    )
    assert response.status_code == 403
    product.refresh_from_db()
    assert (product.name, product.description) == (product.name, "original")
    assert product.ownerships.filter(team=org["beta"]).count() == 0
    assert not AuditEvent.objects.filter(verb="data_product.updated").exists()


def test_a_stakeholder_reads_but_cannot_create(client, org, make_product):
    product = make_product()
    client.force_login(org["sue"].user)
    assert client.get(f"/catalog/data-products/{product.slug}/").status_code == 200
    assert client.get("/catalog/data-products/new/").status_code == 403
    assert client.post("/catalog/services/new/", _service_form(None)).status_code == 403
    assert not Service.objects.exists()


def test_the_lead_edits_any_teams_entity(client, org, make_service):
    service = make_service(team=org["beta"])
    client.force_login(org["boss"].user)
    response = client.post(
        f"/catalog/services/{service.slug}/edit/",
        _service_form(service, name=service.name, accountable="team:beta", responsible=["team:beta"], tier="3"),
    )
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.tier == 3


def test_publishing_from_the_page_shows_what_is_missing(client, org, make_product):
    product = make_product()
    client.force_login(org["ana"].user)
    response = client.post(f"/catalog/data-products/{product.slug}/publish/", follow=True)
    assert "Cannot publish" in response.content.decode() and "an SLO" in response.content.decode()
    assert DataProduct.objects.get(pk=product.pk).lifecycle == "draft"


def test_a_version_is_added_from_the_page_and_a_bad_one_is_named(client, org, make_product):
    product = make_product()
    client.force_login(org["ana"].user)
    client.post(f"/catalog/data-products/{product.slug}/versions/", {"version": "1.2.0", "changelog": "first"})
    response = client.post(f"/catalog/data-products/{product.slug}/versions/", {"version": "latest"}, follow=True)
    assert "Version: Use a semantic version" in response.content.decode()
    assert list(product.versions.values_list("version", flat=True)) == ["1.2.0"]


def test_a_runbook_is_written_in_the_playbook_structure(client, org, make_service):
    service = make_service(tier=1)
    client.force_login(org["ana"].user)
    text = "## svc FAILED\n1. Open the Airflow UI.\n2. Check the source.\n   $ python check.py --source orders_db\n"
    response = client.post(
        f"/catalog/entities/{service.slug}/runbook/",
        {"sla": "7 AM", "alerts": text, "escalation": "Source DB outage | DBA on-call | PagerDuty"},
    )
    assert response.status_code == 302
    html = client.get(f"/catalog/services/{service.slug}/").content.decode()
    assert "Alert response: “svc FAILED”" in html and "python check.py --source orders_db" in html
    assert "DBA on-call" in html


def test_a_runbook_line_that_is_not_understood_is_named(client, org, make_service):
    service = make_service()
    client.force_login(org["ana"].user)
    response = client.post(f"/catalog/entities/{service.slug}/runbook/", {"alerts": "## a\nrestart it\n"})
    assert response.status_code == 400
    assert "Line 2: expected a numbered step" in response.content.decode()
    assert not Entity.objects.get(pk=service.pk).__class__.objects.filter(runbook__isnull=False).exists()


def test_the_team_page_shows_members_owned_entities_and_the_raci_matrix(client, org, make_service):
    service = make_service(team=org["alpha"])
    services.ownership_set(
        actor=None,
        entity=service,
        owners=[OwnerSpec("A", team=org["alpha"]), OwnerSpec("R", person=org["ana"]), OwnerSpec("I", team=org["beta"])],
    )
    client.force_login(org["sue"].user)
    html = client.get("/catalog/teams/alpha/").content.decode()
    assert "Ana" in html and service.name in html
    matrix = client.get("/catalog/teams/alpha/raci/").context["matrix"]
    assert [str(p) for p in matrix.parties] == ["Alpha", "Beta", "Ana"]
    assert matrix.rows == [(Entity.objects.get(pk=service.pk), ["A", "I", "R"])]


def test_the_dashboard_shows_runbook_completeness(client, org, make_service):
    make_service(tier=1, name="Bare")
    client.force_login(org["ana"].user)
    html = client.get("/").content.decode()
    assert "Runbook completeness" in html and 'data-testid="runbook-tier-1">0.0 %' in html
    assert "Bare</a>: no runbook" in html


def test_the_raci_matrix_pages_through_a_large_team_s_entities(client, org, make_service):
    made = [make_service(team=org["alpha"], name=f"Svc {i:02d}") for i in range(7)]
    client.force_login(org["sue"].user)
    from catalog import selectors

    first = selectors.raci_matrix(org["alpha"], 1, per_page=3)
    last = selectors.raci_matrix(org["alpha"], 3, per_page=3)
    assert [e.name for e, _ in first.rows] == ["Svc 00", "Svc 01", "Svc 02"]
    assert [e.name for e, _ in last.rows] == ["Svc 06"]
    assert first.page.paginator.count == len(made) == 7
    # A page number out of range shows the last page rather than an error.
    assert [e.name for e, _ in selectors.raci_matrix(org["alpha"], 99, per_page=3).rows] == ["Svc 06"]
    html = client.get("/catalog/teams/alpha/raci/").content.decode()
    assert "(7, 50 a page, by name)" in html and "Svc 06" in html


def test_the_team_page_shows_counts_and_a_bounded_list_per_role(client, org, make_service):
    from catalog import selectors

    for i in range(3):
        make_service(team=org["alpha"], name=f"Svc {i}")
    owned = selectors.team_owned_entities(org["alpha"], limit=2)
    assert list(owned) == ["A", "R"]
    responsible = owned["R"]
    assert responsible.count == 3
    assert [e.name for e in responsible.entities] == ["Svc 0", "Svc 1"]
    client.force_login(org["sue"].user)
    html = client.get("/catalog/teams/alpha/").content.decode()
    assert "Responsible (3)" in html
