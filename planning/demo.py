"""Demo data of planning: the lead's technical roadmap (the seed's Spark upgrades, Iceberg adoption, ML/LLM
stack enhancements and query federation) as pitches bet in a cycle being built, with scopes and hill history;
the next cycle at its betting table; and a finished cycle for the report.

Idempotent: rows are found by slug and only created when missing, so a second run creates nothing.
"""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from catalog.models import Entity, Person, Team
from planning.choices import Appetite, BetStatus, CycleState, PitchStatus
from planning.models import Absence, Bet, Cycle, HillUpdate, Pitch, RoadmapItem, Scope

BIG, SMALL = Appetite.BIG_BATCH, Appetite.SMALL_BATCH

# slug, title, description (the seed's roadmap, "Technical Roadmap Ownership")
ROADMAP = [
    ("spark-upgrades", "Spark upgrades",
     "Keep Spark current on Kubernetes: Spark Operator upgrades, rolling upgrades with zero downtime, executor "
     "tuning and dynamic allocation for PySpark and Spark SQL jobs."),
    ("iceberg-adoption", "Iceberg adoption",
     "Write the lakehouse's curated tables as Iceberg, with schema evolution and partitioning managed through "
     "the Hive Metastore and Project Nessie catalogs."),
    ("ml-llm-stack", "ML/LLM stack enhancements",
     "LLM serving on vLLM/Triton/Ollama, a prompt registry, RAG APIs and drift monitoring on the ML platform."),
    ("query-federation", "Query federation",
     "One SQL entry point over Iceberg, StarRocks and operational databases through Trino, with caching for "
     "hot dashboard tables."),
]  # fmt: skip

# slug, title, roadmap item, appetite, entity slugs, problem, solution, rabbit holes, no-gos
PITCHES = [
    ("spark-35-rolling-upgrade", "Spark 3.5 rolling upgrade", "spark-upgrades", BIG, ["spark", "airflow"],
     "Jobs run on three Spark versions; upgrades need a maintenance window and break Airflow DAGs.",
     "Move the Spark Operator to 3.5 with a **canary namespace**, then roll job by job:\n\n"
     "1. Operator upgrade behind a feature gate\n2. Canary DAGs on 3.5\n3. Rolling switch per DAG owner",
     "Rewriting jobs that use deprecated RDD APIs: list them, do not fix them here.",
     "No YARN changes; no new cluster."),
    ("iceberg-lakehouse-loads", "Iceberg tables for the lakehouse loads", "iceberg-adoption", BIG,
     ["iceberg-catalog", "spark", "kafka"],
     "Curated tables are Parquet folders: no schema evolution, no time travel, slow partition changes.",
     "Write the batch and CDC loads as Iceberg tables registered in Nessie; migrate the five busiest tables.",
     "Compaction tuning: take the defaults this cycle.", "No migration of the raw zone."),
    ("vllm-serving-prompt-registry", "vLLM serving with a prompt registry", "ml-llm-stack", BIG,
     ["model-serving", "mlflow", "ray"],
     "Each team serves LLMs its own way; prompts live in notebooks.",
     "One vLLM deployment pattern with autoscaling, and a versioned prompt registry behind `/rag/query`.",
     "GPU scheduling across namespaces.", "No fine-tuning pipeline."),
    ("trino-federation", "Trino query federation over Iceberg and StarRocks", "query-federation", BIG,
     ["trino", "starrocks", "iceberg-catalog"],
     "Analysts copy data between StarRocks and the lakehouse to join it.",
     "Trino catalogs for Iceberg, StarRocks and Postgres, with a Redis cache for hot dashboard tables.",
     "Cost-based optimiser statistics.", "No new BI tool."),
    ("feast-streaming-features", "Feast streaming features", None, SMALL, ["feast", "kafka"],
     "Online features lag the batch store by a day.", "Push features from Kafka into Feast's online store.",
     "Exactly-once semantics.", "No new feature views beyond the two fraud features."),
    ("airflow-backfill-button", "Airflow backfill from the portal", None, SMALL, ["airflow"],
     "Backfills are run by hand from a laptop.", "A golden-path backfill DAG started from a form.",
     "Backfills longer than 90 days.", "No custom Airflow UI plugin."),
    ("starrocks-finance-mvs", "StarRocks materialized views for finance", None, BIG, ["starrocks"],
     "The revenue dashboard is slow at month end.", "Materialized views refreshed on upstream events.",
     "Refresh storms.", "No change to the revenue model."),
    ("kafka-tiered-storage", "Kafka tiered storage", None, BIG, ["kafka"],
     "Brokers run out of disk during replays.", "Tiered storage to MinIO for topics older than 3 days.",
     "Compacted topics.", "No broker upgrade in the same cycle."),
    ("airflow-29-upgrade", "Airflow 2.9 upgrade", None, SMALL, ["airflow"],
     "Airflow is two minor versions behind.", "Rolling upgrade with GitSync DAGs.", "Provider pinning.", ""),
    ("kerberos-in-pods", "Kerberos inside Spark pods", None, BIG, ["spark"],
     "HDFS access from pods uses a shared keytab.", "Per-job keytabs issued by FreeIPA.", "Cross-realm trust.", ""),
]  # fmt: skip

# cycle slug -> (pitch slug, team slug, people, status, [(scope title, [(day offset, position, note), ...])])
BETS = {
    "lakehouse-foundations": [
        (
            "spark-35-rolling-upgrade",
            "data-platform",
            ["kim", "sara"],
            BetStatus.BUILDING,
            [
                (
                    "Operator upgrade behind a gate",
                    [(18, 20, "Read the operator changelog"), (11, 60, "Gate works"), (2, 85, "Rolled out to staging")],
                ),
                ("Canary DAGs on 3.5", [(15, 15, "Picked ten DAGs"), (3, 45, "Two DAGs fail on a UDF")]),
                ("Rolling switch per DAG owner", [(12, 10, "Owners listed")]),
            ],
        ),
        (
            "iceberg-lakehouse-loads",
            "data-engineering",
            ["lee", "tom"],
            BetStatus.BUILDING,
            [
                (
                    "Nessie catalog wiring",
                    [(17, 30, "Catalog up"), (10, 70, "Writes from Spark work"), (3, 100, "Done")],
                ),
                ("CDC loads to Iceberg", [(14, 25, "Debezium schema mapping unclear"), (1, 40, "Mapping agreed")]),
                ("Migrate the five busiest tables", [(4, 5, "Picked the tables")]),
            ],
        ),
        (
            "vllm-serving-prompt-registry",
            "mlops",
            ["park", "priya"],
            BetStatus.BUILDING,
            [
                ("vLLM deployment pattern", [(18, 35, "Spike on autoscaling"), (2, 55, "Pattern agreed")]),
                ("Prompt registry", [(16, 20, "Schema drafted"), (1, 50, "Versioning works")]),
            ],
        ),
        (
            "trino-federation",
            "bi-services",
            ["lucas", "mei"],
            BetStatus.BUILDING,
            [
                ("Trino catalogs", [(17, 40, "Iceberg and StarRocks connectors up"), (2, 75, "Postgres added")]),
                ("Redis cache for hot tables", [(9, 20, "Which tables are hot?")]),
            ],
        ),
    ],
    "platform-hardening": [
        ("airflow-29-upgrade", "data-platform", ["kim"], BetStatus.SHIPPED, []),
        ("kerberos-in-pods", "data-platform", ["sara"], BetStatus.NOT_SHIPPED, []),
    ],
}
# Scope moves are (days ago, position, note): the current cycle began three weeks ago, so two scopes that have
# not moved for over five days show up on the lead's check-in list.

ABSENCES = [("sara", 14, 18, "Vacation"), ("tom", 22, 23, "Conference")]  # days from the current cycle's start


def _monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def _at(day: datetime.date, offset: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=offset), datetime.time(10)))


def load(*, stdout) -> int:
    """Create what is missing; returns how many rows were created (0 on a second run)."""
    created = 0
    lead = get_user_model().objects.filter(username="alex").first()

    items = {}
    for position, (slug, title, description) in enumerate(ROADMAP):
        items[slug], was_created = RoadmapItem.objects.get_or_create(
            slug=slug, defaults={"title": title, "description": description, "position": position}
        )
        created += was_created

    # The current cycle is in its fourth build week, so the hill has history and the breaker is ahead.
    today = timezone.localdate()
    current_start = _monday(today) - datetime.timedelta(weeks=3)
    cycles = {}
    for slug, name, start, state in [
        ("platform-hardening", "Platform hardening", current_start - datetime.timedelta(weeks=8), CycleState.DONE),
        ("lakehouse-foundations", "Lakehouse foundations", current_start, CycleState.BUILDING),
        ("streaming-and-serving", "Streaming and serving", current_start + datetime.timedelta(weeks=8),
         CycleState.BETTING),
    ]:  # fmt: skip
        cycles[slug], was_created = Cycle.objects.get_or_create(
            slug=slug, defaults={"name": name, "start_date": start, "state": state, "created_by": lead}
        )
        created += was_created

    bet_status = {pitch: status for bets in BETS.values() for pitch, _t, _p, status, _s in bets}
    pitch_status = {
        BetStatus.BUILDING: PitchStatus.BET,
        BetStatus.SHIPPED: PitchStatus.SHIPPED,
        BetStatus.NOT_SHIPPED: PitchStatus.NOT_SHIPPED,
    }
    pitches = {}
    for slug, title, item, appetite, entity_slugs, problem, solution, rabbit_holes, no_gos in PITCHES:
        status = pitch_status.get(bet_status.get(slug), PitchStatus.SHAPED)
        pitches[slug], was_created = Pitch.objects.get_or_create(
            slug=slug,
            defaults={
                "title": title, "problem": problem, "appetite": appetite, "solution": solution,
                "rabbit_holes": rabbit_holes, "no_gos": no_gos, "author": lead, "status": status,
                "roadmap_item": items.get(item),
            },
        )  # fmt: skip
        if was_created:
            created += 1
            # Entities come from the catalog's demo; any that are absent are skipped.
            pitches[slug].entities.set(Entity.objects.filter(slug__in=entity_slugs))

    teams = {t.slug: t for t in Team.objects.all()}
    people = {p.slug: p for p in Person.objects.all()}
    for cycle_slug, bets in BETS.items():
        cycle = cycles[cycle_slug]
        for pitch_slug, team_slug, person_slugs, status, scopes in bets:
            if team_slug not in teams:
                continue
            finished = (
                None if status == BetStatus.BUILDING else _at(cycle.start_date, 30 if status == "shipped" else 42)
            )
            bet, was_created = Bet.objects.get_or_create(
                cycle=cycle,
                pitch=pitches[pitch_slug],
                defaults={
                    "team": teams[team_slug], "status": status, "placed_by": lead,
                    "placed_at": _at(cycle.start_date, -10), "finished_at": finished,
                },
            )  # fmt: skip
            if not was_created:
                continue
            created += 1
            bet.people.set([people[s] for s in person_slugs if s in people])
            for title, moves in scopes:
                mapped = _at(today, -20)
                last_ago, last_position, _note = moves[-1]
                scope = Scope.objects.create(
                    bet=bet, title=title, position=last_position, moved_at=_at(today, -last_ago), created=mapped
                )
                HillUpdate.objects.create(scope=scope, position=0, note="Scope mapped", author=lead, recorded_at=mapped)
                author = people[person_slugs[0]].user if person_slugs[0] in people else None
                for days_ago, position, note in moves:
                    HillUpdate.objects.create(
                        scope=scope, position=position, note=note, author=author, recorded_at=_at(today, -days_ago)
                    )
                created += 2 + len(moves)

    current_start = cycles["lakehouse-foundations"].start_date  # as first loaded, whatever the day of this run
    for slug, first, last, reason in ABSENCES:
        if slug not in people:
            continue
        start = current_start + datetime.timedelta(days=first)
        _absence, was_created = Absence.objects.get_or_create(
            person=people[slug],
            start_date=start,
            defaults={"end_date": current_start + datetime.timedelta(days=last), "reason": reason},
        )
        created += was_created

    stdout.write(f"planning: {created} rows created")
    return created
