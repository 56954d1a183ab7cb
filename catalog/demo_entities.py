"""The seeds' services per subteam, the playbook's three data products and its daily_orders_pipeline runbook."""

from datetime import date

from catalog import demo_slo, services
from catalog.choices import EntityKind, Lifecycle, RaciRole
from catalog.models import Domain, Entity, Person, System, Team
from catalog.rules import OwnerSpec

DOMAINS = [
    ("finance", "Finance", "Revenue, billing and financial reporting."),
    ("marketing", "Marketing", "Campaigns, attribution and customer acquisition."),
    ("product", "Product", "Product usage and behavioural events."),
    ("platform", "Platform", "The shared data platform itself."),
]
SYSTEMS = [
    ("lakehouse", "Lakehouse", "platform", "Storage, table formats and query engines over HDFS and Iceberg."),
    ("streaming", "Streaming", "platform", "Kafka, ZooKeeper and change-data-capture ingestion."),
    ("ml-platform", "ML platform", "platform", "Feature store, experiment tracking, training and serving."),
    ("bi", "BI and metrics", "finance", "Semantic metrics, OLAP tables and dashboards."),
]

P, PIPE, DASH = EntityKind.PLATFORM_COMPONENT, EntityKind.PIPELINE, EntityKind.DASHBOARD
# slug, name, kind, tier, team, system, depends on, description
SERVICES = [
    ("zookeeper", "ZooKeeper", P, 1, "data-platform", "streaming", [], "Coordination for Kafka and HDFS HA."),
    ("hdfs", "HDFS", P, 1, "data-platform", "lakehouse", ["zookeeper"], "NameNode/DataNode storage on Kubernetes."),
    ("yarn", "YARN", P, 1, "data-platform", "lakehouse", ["hdfs", "zookeeper"], "Resource manager; FAIR queues."),
    ("spark", "Spark", P, 1, "data-platform", "lakehouse", ["yarn", "hdfs"], "Spark Operator, dynamic allocation."),
    ("airflow", "Airflow", P, 1, "data-platform", None, [], "Airflow with KubernetesExecutor and GitSync DAGs."),
    ("kafka", "Kafka", P, 1, "data-platform", "streaming", ["zookeeper"], "Kafka brokers managed by an operator."),
    ("iceberg-catalog", "Iceberg catalogs", P, 1, "data-engineering", "lakehouse", ["hdfs"],
     "Hive Metastore and Project Nessie catalogs for the Iceberg lakehouse tables."),
    ("cdc-ingestion", "CDC ingestion", PIPE, 2, "data-engineering", "streaming", ["kafka", "iceberg-catalog"],
     "Kafka Connect and Debezium connectors streaming source databases into the lakehouse."),
    ("daily-orders-pipeline", "daily_orders_pipeline", PIPE, 1, "data-engineering", "lakehouse",
     ["airflow", "spark", "cdc-ingestion", "iceberg-catalog"],
     "Builds fct_orders from the orders database every morning (Airflow DAG, PySpark, dbt)."),
    ("great-expectations", "Great Expectations", P, 2, "data-engineering", None, ["spark"],
     "Validation suites for completeness, accuracy and business rules."),
    ("datahub", "DataHub", P, 2, "data-engineering", None, ["kafka"], "Lineage, ownership and metadata."),
    ("feast", "Feast", P, 2, "mlops", "ml-platform", ["spark", "kafka"], "Feature store: batch and streaming."),
    ("mlflow", "MLflow", P, 2, "mlops", "ml-platform", [], "Experiment tracking and the model registry."),
    ("ray", "Ray", P, 3, "mlops", "ml-platform", [], "Distributed training on autoscaling clusters."),
    ("model-serving", "Model serving", P, 2, "mlops", "ml-platform", ["mlflow", "feast"],
     "Seldon, Triton and Ollama inference with autoscaling."),
    ("trino", "Trino", P, 1, "bi-services", "lakehouse", ["iceberg-catalog", "hdfs"], "Federated SQL."),
    ("starrocks", "StarRocks", P, 1, "bi-services", "bi", ["iceberg-catalog"], "OLAP wide tables."),
    ("superset", "Superset", P, 2, "bi-services", "bi", ["trino", "starrocks"], "Dashboards with RLS embedding."),
    ("dbt-metrics", "dbt Metrics", P, 2, "bi-services", "bi", ["trino", "starrocks"], "The semantic layer."),
]  # fmt: skip

DATA_PRODUCTS = [
    {
        "slug": "fct-daily-revenue",
        "name": "fct_daily_revenue",
        "tier": 1,
        "domain": "finance",
        "system": "bi",
        "accountable": ("person", "lucas"),
        "responsible": [("team", "bi-services")],
        "consulted": [("team", "data-engineering")],
        "informed": [("person", "rachel")],
        "consumers": [("person", "rachel", "Board revenue report"), ("team", "mlops", "Revenue forecasting")],
        "depends_on": ["daily-orders-pipeline", "starrocks"],
        "quality_sla": "Refreshed before 7 AM daily; never more than 4 hours stale",
        "description": "Daily revenue per market and channel, net of refunds, in euros. "
        "The number finance reports to the board.",
        "documentation": "Query it in StarRocks or Trino as `finance.fct_daily_revenue`; one row per "
        "day, market and channel. Revenue is recognised on the order date; refunds reduce the day they "
        "happen. Use `revenue_eur` for reporting, never the raw `amount` of the orders table.",
        "datasets": [("finance.fct_daily_revenue", "iceberg://warehouse/finance/fct_daily_revenue")],
        "contract": [
            ("revenue_date", "date", False, "Order date (UTC)", ["not_null", "unique per market and channel"]),
            ("market", "string", False, "ISO country code", ["not_null", "in accepted markets"]),
            ("channel", "string", False, "web, app or partner", ["accepted values: web, app, partner"]),
            ("revenue_eur", "decimal", False, "Net revenue in euros", ["not_null", "min: 0"]),
            ("orders", "integer", False, "Orders counted", ["min: 0"]),
        ],
        "versions": [
            ("1.0.0", "First published version.", date(2026, 3, 2)),
            ("1.1.0", "Adds the `channel` column.", date(2026, 4, 20)),
            ("2.0.0", "Refunds now reduce the day they happen (breaking).", date(2026, 9, 14)),
        ],
        "lifecycle": Lifecycle.PUBLISHED,
    },
    {
        "slug": "marketing-attribution",
        "name": "marketing_attribution",
        "tier": 2,
        "domain": "marketing",
        "system": "bi",
        "accountable": ("person", "mei"),
        "responsible": [("team", "bi-services")],
        "consulted": [("team", "mlops")],
        "informed": [],
        "consumers": [("person", "omar", "Campaign budget allocation")],
        "depends_on": ["raw-event-logs", "spark"],
        "quality_sla": "Refreshed by 10 AM daily; never more than 12 hours stale",
        "description": "Which campaigns and channels led to each conversion, by a data-driven attribution model.",
        "documentation": "Table `marketing.marketing_attribution`: one row per conversion and touchpoint with "
        "its attributed share. Shares of a conversion add up to 1.",
        "datasets": [("marketing.marketing_attribution", "")],
        "contract": [
            ("conversion_id", "string", False, "The order or sign-up", ["not_null"]),
            ("campaign", "string", True, "Campaign name", []),
            ("share", "decimal", False, "Attributed share", ["min: 0", "max: 1"]),
        ],
        "versions": [
            ("0.9.0", "Beta with last-touch attribution.", date(2026, 6, 1)),
            ("1.0.0", "Data-driven attribution.", date(2026, 8, 3)),
        ],
        "lifecycle": Lifecycle.PUBLISHED,
    },
    {
        "slug": "raw-event-logs",
        "name": "raw_event_logs",
        "tier": 3,
        "domain": "product",
        "system": "streaming",
        "accountable": ("person", "sara"),
        "responsible": [("team", "data-engineering")],
        "consulted": [],
        "informed": [("team", "bi-services")],
        "consumers": [("team", "bi-services", "Attribution and product analytics")],
        "depends_on": ["kafka", "cdc-ingestion"],
        "quality_sla": "Landed within 24 hours; never more than 48 hours stale",
        "description": "Clickstream and app events as received, partitioned by hour. Not cleaned: prefer the "
        "curated tables for reporting.",
        "documentation": "",
        "datasets": [("raw.event_logs", "iceberg://warehouse/raw/event_logs")],
        "contract": [],
        "versions": [],
        "lifecycle": Lifecycle.DRAFT,  # not publishable yet: no version, no documentation (R10)
    },
]

RUNBOOK = {
    "sla": "Refreshed before 7 AM daily",
    "related_dashboards": "Revenue Dashboard, Inventory Dashboard",
    "summary": "Written so that an engineer meeting it at 3 AM for the first time can resolve it.",
    "alerts": [
        {
            "alert": "daily_orders_pipeline FAILED",
            "steps": [
                {"instruction": "Open the Airflow UI, find the failed task, and review its logs.", "command": ""},
                {
                    "instruction": "Check for source DB connectivity errors. On connection failure: escalate to "
                    "DBA on-call team.",
                    "command": "python scripts/check_source_connection.py --source orders_db",
                },
                {
                    "instruction": "Check for schema changes. If a schema change is found: fix the dbt model "
                    "and re-run.",
                    "command": "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_name = 'ORDERS' ORDER BY ordinal_position;",
                },
                {
                    "instruction": "Check for data volume anomalies. If 0 rows: source system issue, escalate "
                    "to the source team.",
                    "command": "SELECT COUNT(*), MAX(ordered_at) FROM raw.orders "
                    "WHERE ordered_at::date = CURRENT_DATE - 1;",
                },
                {
                    "instruction": "Manual re-run.",
                    "command": 'airflow dags trigger daily_orders_pipeline --conf \'{"execution_date": "2026-04-19"}\'',
                },
            ],
        },
        {
            "alert": "fct_orders FRESHNESS EXCEEDED 4h",
            "steps": [
                {"instruction": "Check the last successful run time in Airflow.", "command": ""},
                {"instruction": "Check whether any runs are queued or stuck.", "command": ""},
                {
                    "instruction": "Check the status of the upstream pipeline (stg_orders), then rebuild and test.",
                    "command": "dbt run --select fct_orders+ --target prod\ndbt test --select fct_orders",
                },
            ],
        },
    ],
    "escalation_contacts": [
        {"situation": "Source DB outage", "target": "DBA on-call", "contact_method": "PagerDuty escalation"},
        {"situation": "Snowflake outage", "target": "Snowflake Support", "contact_method": "support.snowflake.com"},
        {"situation": "Business-critical data missing", "target": "Data team lead", "contact_method": "Direct call"},
    ],
}

EXTRA_PEOPLE = [("omar", "Omar Haddad", "Marketing Analytics Lead (stakeholder)", "omar@example.com")]


def _party(kind: str, slug: str):
    return Team.objects.get(slug=slug) if kind == "team" else Person.objects.get(slug=slug)


def _spec(role: str, kind: str, slug: str) -> OwnerSpec:
    party = _party(kind, slug)
    return OwnerSpec(role=role, **{kind: party})


def load() -> int:
    created = 0
    domains = {}
    for slug, name, description in DOMAINS:
        domains[slug], was_created = Domain.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description}
        )
        created += was_created
    systems = {}
    for slug, name, domain, description in SYSTEMS:
        systems[slug], was_created = System.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "domain": domains[domain]}
        )
        created += was_created
    for slug, name, title, email in EXTRA_PEOPLE:
        _person, was_created = Person.objects.get_or_create(
            slug=slug, defaults={"full_name": name, "title": title, "email": email}
        )
        created += was_created

    existing = set(Entity.objects.values_list("slug", flat=True))
    # Services first (dependencies point at earlier ones), then the data products that depend on them.
    for slug, name, kind, tier, team_slug, system, depends, description in SERVICES:
        if slug in existing:
            continue
        team = Team.objects.get(slug=team_slug)
        engineer = team.memberships.select_related("person").order_by("person__full_name").first().person
        services.service_create(
            actor=None,
            name=name,
            slug=slug,
            kind=kind,
            tier=tier,
            lifecycle=Lifecycle.PRODUCTION,
            description=description,
            domain=domains["platform"],
            system=systems.get(system),
            repository_url=f"https://gitlab.example.com/data-infra/{slug}",
            owners=[
                OwnerSpec(role=RaciRole.ACCOUNTABLE, team=team),
                OwnerSpec(role=RaciRole.RESPONSIBLE, person=engineer),
                OwnerSpec(role=RaciRole.INFORMED, team=Team.objects.get(slug="data-infrastructure")),
            ],
            depends_on=list(Entity.objects.filter(slug__in=depends)),
        )
        created += 1
    for spec in DATA_PRODUCTS:
        if spec["slug"] in existing:
            continue
        owners = [_spec(RaciRole.ACCOUNTABLE, *spec["accountable"])]
        owners += [_spec(RaciRole.RESPONSIBLE, *p) for p in spec["responsible"]]
        owners += [_spec(RaciRole.CONSULTED, *p) for p in spec["consulted"]]
        owners += [_spec(RaciRole.INFORMED, *p) for p in spec["informed"]]
        product = services.data_product_create(
            actor=None,
            name=spec["name"],
            slug=spec["slug"],
            tier=spec["tier"],
            description=spec["description"],
            documentation=spec["documentation"],
            quality_sla=spec["quality_sla"],
            domain=domains[spec["domain"]],
            system=systems[spec["system"]],
            owners=owners,
            consumers=[{kind: _party(kind, slug), "purpose": purpose} for kind, slug, purpose in spec["consumers"]],
            output_datasets=[{"name": n, "location": loc} for n, loc in spec["datasets"]],
            contract_fields=[
                {"name": n, "type": t, "nullable": null, "description": d, "quality_rules": r}
                for n, t, null, d, r in spec["contract"]
            ],
            depends_on=list(Entity.objects.filter(slug__in=spec["depends_on"])),
        )
        for version, changelog, released in spec["versions"]:
            services.data_product_version_add(
                actor=None, product=product, version=version, changelog=changelog, released_at=released
            )
        if spec["lifecycle"] == Lifecycle.PUBLISHED:
            demo_slo.ensure_slos(product)  # R10: a data product is published with an SLO
            services.data_product_publish(actor=None, product=product)
        created += 1
    if "revenue-dashboard" not in existing:
        services.service_create(
            actor=None,
            name="Revenue Dashboard",
            slug="revenue-dashboard",
            kind=DASH,
            tier=1,
            lifecycle=Lifecycle.PRODUCTION,
            description="The board's daily revenue dashboard in Superset.",
            domain=domains["finance"],
            system=systems["bi"],
            owners=[
                OwnerSpec(role=RaciRole.ACCOUNTABLE, team=Team.objects.get(slug="bi-services")),
                OwnerSpec(role=RaciRole.RESPONSIBLE, person=Person.objects.get(slug="lucas")),
                OwnerSpec(role=RaciRole.INFORMED, person=Person.objects.get(slug="rachel")),
            ],
            depends_on=list(Entity.objects.filter(slug__in=["superset", "fct-daily-revenue"])),
        )
        created += 1
    pipeline = Entity.objects.get(slug="daily-orders-pipeline")
    if not hasattr(pipeline, "runbook"):
        services.runbook_save(actor=None, entity=pipeline, **RUNBOOK)
        created += 1
    return created
