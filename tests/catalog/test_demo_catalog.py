"""The demo catalog follows the seeds, and every entity in it satisfies R9."""

from catalog import rules, selectors
from catalog.models import DataProduct, Entity, Runbook, Service, Team
from catalog.rules import OwnerSpec


def test_each_subteam_owns_the_services_of_the_seeds(demo):
    owned = {
        team.slug: sorted(
            Service.objects.filter(ownerships__team=team, ownerships__role="A").values_list("slug", flat=True)
        )
        for team in Team.objects.filter(parent__isnull=False)
    }
    assert owned["data-platform"] == ["airflow", "hdfs", "kafka", "spark", "yarn", "zookeeper"]
    assert {"daily-orders-pipeline", "great-expectations", "datahub", "iceberg-catalog"} <= set(
        owned["data-engineering"]
    )
    assert owned["mlops"] == ["feast", "mlflow", "model-serving", "ray"]
    assert {"trino", "starrocks", "superset", "dbt-metrics"} <= set(owned["bi-services"])


def test_the_playbooks_three_data_products_have_their_tiers(demo):
    tiers = dict(DataProduct.objects.values_list("name", "tier"))
    assert tiers == {"fct_daily_revenue": 1, "marketing_attribution": 2, "raw_event_logs": 3}
    revenue = selectors.data_product_queryset().get(slug="fct-daily-revenue")
    assert revenue.lifecycle == "published"
    assert selectors.current_version(revenue).version == "2.0.0"
    assert revenue.consumers.count() == 2 and revenue.contract_fields.count() == 5


def test_every_demo_entity_has_one_accountable_and_a_responsible_owner(demo):
    for entity in Entity.objects.prefetch_related("ownerships__team", "ownerships__person"):
        owners = [OwnerSpec(o.role, team=o.team, person=o.person) for o in entity.ownerships.all()]
        assert rules.raci_violations(owners) == [], entity.name


def test_the_daily_orders_runbook_follows_the_playbook(demo):
    runbook = Runbook.objects.get(entity__slug="daily-orders-pipeline")
    alerts = list(runbook.alerts.all())
    assert [a.alert for a in alerts] == ["daily_orders_pipeline FAILED", "fct_orders FRESHNESS EXCEEDED 4h"]
    assert alerts[0].steps.count() == 5
    assert "airflow dags trigger daily_orders_pipeline" in alerts[0].steps.last().command
    assert list(runbook.escalation_contacts.values_list("target", flat=True)) == [
        "DBA on-call",
        "Snowflake Support",
        "Data team lead",
    ]


def test_dependencies_reach_any_depth_both_ways(demo):
    graph = selectors.dependency_graph(Entity.objects.get(slug="zookeeper"))
    downstream = {e.slug: depth for e, depth in graph.downstream}
    assert downstream["kafka"] == 1 and downstream["revenue-dashboard"] >= 3
    upstream = {e.slug for e, _ in selectors.dependency_graph(Entity.objects.get(slug="revenue-dashboard")).upstream}
    assert {"superset", "fct-daily-revenue", "daily-orders-pipeline", "zookeeper"} <= upstream


def test_a_dependency_cycle_does_not_loop(org, make_service):
    from catalog.models import Dependency

    a = make_service(name="a")
    b = make_service(name="b", depends_on=[a])
    Dependency.objects.create(source=a, target=b)
    graph = selectors.dependency_graph(a)
    assert [(e.name, d) for e, d in graph.upstream] == [("b", 1)]
    assert [(e.name, d) for e, d in graph.downstream] == [("b", 1)]
