"""A large, deterministic catalog for benchmarks: teams, people, services and data products with full RACI,
versions, consumers, contracts, runbooks and dependencies, written with COPY (100,000 entities in about a minute).

Every slug starts with PREFIX, so a generated catalog can be replaced without touching anything else.
"""

import json
import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from guardian.models import GroupObjectPermission

from catalog import documents, permissions
from catalog.api import documents as api_documents
from catalog.choices import SERVICE_KINDS, EntityKind, Lifecycle, MembershipRole, RaciRole
from catalog.importers import bulk
from catalog.importers.bulk import ids_by, ids_by_slug, insert_objects
from catalog.models import (
    AlertResponse,
    ContractField,
    DataProduct,
    DataProductConsumer,
    DataProductVersion,
    Dependency,
    Domain,
    Entity,
    EscalationContact,
    Membership,
    OutputDataset,
    Ownership,
    Person,
    Runbook,
    RunbookStep,
    Service,
    System,
    Team,
)
from portal import audit

PREFIX = "gen-"
WORDS = [
    "payments",
    "billing",
    "search",
    "catalog",
    "identity",
    "ledger",
    "orders",
    "cart",
    "inventory",
    "shipping",
    "pricing",
    "analytics",
    "reporting",
    "notifications",
    "gateway",
    "profile",
    "accounts",
    "fraud",
    "risk",
    "recommendations",
    "media",
    "storage",
    "cache",
    "queue",
    "scheduler",
    "audit",
    "compliance",
    "metrics",
    "logging",
    "tracing",
    "revenue",
    "churn",
    "forecast",
    "marketing",
    "sessions",
    "clickstream",
]
FIRST = [
    "Ana",
    "Ben",
    "Chen",
    "Dara",
    "Eli",
    "Farah",
    "Gus",
    "Hana",
    "Ivan",
    "Jo",
    "Kim",
    "Lee",
    "Mei",
    "Noor",
    "Omar",
    "Pia",
    "Raj",
    "Sara",
    "Tom",
    "Uma",
    "Vic",
    "Wen",
    "Yuri",
    "Zoe",
]
LAST = [
    "Adams",
    "Brown",
    "Costa",
    "Diaz",
    "Evans",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jones",
    "Khan",
    "Lopez",
    "Meyer",
    "Nguyen",
    "Okafor",
    "Park",
    "Rossi",
]
SERVICE_KIND_VALUES = [value for value, _ in SERVICE_KINDS]
SERVICE_LIFECYCLES = [Lifecycle.PRODUCTION, Lifecycle.PRODUCTION, Lifecycle.EXPERIMENTAL, Lifecycle.DEPRECATED]
PRODUCT_LIFECYCLES = [Lifecycle.PUBLISHED, Lifecycle.PUBLISHED, Lifecycle.DRAFT, Lifecycle.DEPRECATED]


@dataclass(frozen=True)
class Sizes:
    entities: int = 100_000
    people: int = 2_000
    teams: int = 200
    data_product_share: float = 0.3
    seed: int = 42


def generated_exists() -> bool:
    return Team.objects.filter(slug__startswith=PREFIX).exists()


def delete_generated() -> None:
    """Remove an earlier generated catalog (its slugs start with PREFIX)."""
    Entity.objects.filter(slug__startswith=PREFIX).delete()
    Membership.objects.filter(team__slug__startswith=PREFIX).delete()
    Person.objects.filter(slug__startswith=PREFIX).delete()
    teams = Team.objects.filter(slug__startswith=PREFIX)
    Group.objects.filter(team__in=teams).delete()
    teams.update(parent=None)
    teams.delete()
    System.objects.filter(slug__startswith=PREFIX).delete()
    Domain.objects.filter(slug__startswith=PREFIX).delete()


def _org(sizes: Sizes, rnd: random.Random) -> tuple[list[int], list[int], dict[int, list[int]]]:
    """Teams (a root, departments, subteams), people and memberships; returns team ids, person ids, members."""
    n_teams = max(1, sizes.teams)
    teams = [
        Team(slug=f"{PREFIX}team-{i:04d}", name=f"Gen team {i:04d}", email=f"team{i}@example.com")
        for i in range(n_teams)
    ]
    Team.objects.bulk_create(teams, batch_size=2000)
    ids = ids_by_slug(Team._meta.db_table, [t.slug for t in teams])
    team_ids = [ids[t.slug] for t in teams]
    departments = team_ids[1 : 1 + max(1, n_teams // 10)]
    Group.objects.bulk_create([Group(name=f"team:{t.slug}") for t in teams], ignore_conflicts=True)
    groups = dict(Group.objects.filter(name__in=[f"team:{t.slug}" for t in teams]).values_list("name", "id"))
    for i, team in enumerate(teams):
        team.pk = team_ids[i]
        team.group_id = groups[f"team:{team.slug}"]
        if i == 0:
            team.parent_id = None
        elif team.pk in departments:
            team.parent_id = team_ids[0]
        else:
            team.parent_id = departments[i % len(departments)]
    Team.objects.bulk_update(teams, ["parent", "group"], batch_size=2000)

    people = [
        Person(
            slug=f"{PREFIX}person-{i:05d}",
            full_name=f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]} {i}",
            title=rnd.choice(["Data Engineer", "Analyst", "Platform Engineer", "Product Manager", "ML Engineer"]),
            email=f"person{i}@example.com",
        )
        for i in range(sizes.people)
    ]
    Person.objects.bulk_create(people, batch_size=2000)
    pids = ids_by_slug(Person._meta.db_table, [p.slug for p in people])
    person_ids = [pids[p.slug] for p in people]
    members: dict[int, list[int]] = {t: [] for t in team_ids}
    rows = []
    for i, pid in enumerate(person_ids):
        team = team_ids[i % n_teams]
        role = MembershipRole.MEMBER
        if len(members[team]) == 0:
            role = MembershipRole.LEAD
        elif len(members[team]) == 1:
            role = MembershipRole.SUBTEAM_LEAD
        members[team].append(pid)
        rows.append((pid, team, role))
    insert_objects(Membership, ["person_id", "team_id", "role"], rows)
    return team_ids, person_ids, members


def _entities(sizes: Sizes, rnd: random.Random, now) -> tuple[list[str], dict[str, int], dict[str, str], dict]:
    domains = [Domain(slug=f"{PREFIX}domain-{i:02d}", name=f"Gen domain {i:02d}") for i in range(10)]
    Domain.objects.bulk_create(domains)
    domain_ids = list(ids_by_slug(Domain._meta.db_table, [d.slug for d in domains]).values())
    n_systems = max(1, sizes.entities // 200)
    systems = [
        System(slug=f"{PREFIX}system-{i:04d}", name=f"Gen system {i:04d}", domain_id=domain_ids[i % len(domain_ids)])
        for i in range(n_systems)
    ]
    System.objects.bulk_create(systems, batch_size=2000)
    system_rows = list(System.objects.filter(slug__startswith=PREFIX).values_list("id", "domain_id"))

    slugs, kinds, tiers, rows = [], {}, {}, []
    for i in range(sizes.entities):
        is_product = rnd.random() < sizes.data_product_share
        kind = EntityKind.DATA_PRODUCT if is_product else rnd.choice(SERVICE_KIND_VALUES)
        w1, w2 = rnd.choice(WORDS), rnd.choice(WORDS)
        slug = f"{PREFIX}{'dp' if is_product else 'svc'}-{i:06d}"
        system_id, domain_id = rnd.choice(system_rows)
        tier = rnd.choice([1, 2, 2, 3, 3, 3])
        lifecycle = rnd.choice(PRODUCT_LIFECYCLES if is_product else SERVICE_LIFECYCLES)
        description = f"The {w1} {w2} {'data product' if is_product else kind.replace('_', ' ')} number {i}."
        rows.append((slug, kind, f"{w1} {w2} {i}", description, tier, lifecycle, domain_id, system_id, now, now))
        slugs.append(slug)
        kinds[slug] = kind
        tiers[slug] = tier
    fields = [
        "slug",
        "kind",
        "name",
        "description",
        "tier",
        "lifecycle",
        "domain_id",
        "system_id",
        "created",
        "updated",
    ]
    insert_objects(Entity, fields, rows)
    ids = ids_by_slug(Entity._meta.db_table, slugs)
    insert_objects(
        Service,
        ["entity_ptr_id", "repository_url", "docs_url"],
        ((ids[s], f"https://git.example.com/data/{s}", "") for s in slugs if kinds[s] != EntityKind.DATA_PRODUCT),
    )
    insert_objects(
        DataProduct,
        ["entity_ptr_id", "documentation", "documentation_url", "quality_sla"],
        (
            (ids[s], f"## {s}\nJoin on `id`.", f"https://docs.example.com/{s}", "Refreshed before 7 AM daily")
            for s in slugs
            if kinds[s] == EntityKind.DATA_PRODUCT
        ),
    )
    return slugs, ids, kinds, tiers


def _raci(rnd, slugs, ids, team_ids, members) -> list[tuple[int, int]]:
    """A, R, C and I for every entity; returns (entity id, team id) of the editing roles (A and R)."""
    rows, editing = [], []
    for slug in slugs:
        eid = ids[slug]
        owner = rnd.choice(team_ids)
        other = rnd.choice(team_ids)
        rows.append((eid, owner, None, RaciRole.ACCOUNTABLE))
        rows.append((eid, owner, None, RaciRole.RESPONSIBLE))
        if members[owner]:
            rows.append((eid, None, rnd.choice(members[owner]), RaciRole.RESPONSIBLE))
        if other != owner:
            rows.append((eid, other, None, RaciRole.CONSULTED))
        if members[other]:
            rows.append((eid, None, rnd.choice(members[other]), RaciRole.INFORMED))
        editing.append((eid, owner))
    insert_objects(Ownership, ["entity_id", "team_id", "person_id", "role"], rows)
    return editing


def _grants(editing: list[tuple[int, int]]) -> None:
    content_type, perm = permissions.change_entity_permission()
    groups = dict(Team.objects.filter(pk__in={t for _, t in editing}).values_list("id", "group_id"))
    insert_objects(
        GroupObjectPermission,
        ["object_pk", "content_type_id", "group_id", "permission_id"],
        ((str(e), content_type.pk, groups[t], perm.pk) for e, t in editing),
    )


def _products(rnd, slugs, ids, kinds, team_ids, person_ids) -> None:
    products = [ids[s] for s in slugs if kinds[s] == EntityKind.DATA_PRODUCT]
    start = date(2024, 1, 1)
    versions, consumers, datasets, contract = [], [], [], []
    for pid in products:
        day = start + timedelta(days=rnd.randrange(300))
        for minor in range(3):
            versions.append((pid, f"1.{minor}.0", f"Release 1.{minor}.0", day + timedelta(days=30 * minor)))
        consumers.append((pid, rnd.choice(team_ids), None, "Weekly report"))
        consumers.append((pid, None, rnd.choice(person_ids), "Board dashboard"))
        datasets.append((pid, f"lakehouse.gen.t{pid}", f"iceberg://warehouse/gen/t{pid}"))
        contract.append((pid, 0, "id", "integer", False, "Primary key", json.dumps(["not_null", "unique"])))
        contract.append((pid, 1, "amount", "decimal", True, "Amount in EUR", json.dumps(["min: 0"])))
    insert_objects(DataProductVersion, ["data_product_id", "version", "changelog", "released_at"], versions)
    insert_objects(DataProductConsumer, ["data_product_id", "team_id", "person_id", "purpose"], consumers)
    insert_objects(OutputDataset, ["data_product_id", "name", "location"], datasets)
    fields = ["data_product_id", "position", "name", "type", "nullable", "description", "quality_rules"]
    insert_objects(ContractField, fields, contract)


def _runbooks(slugs, ids, tiers, now) -> int:
    """A runbook (one alert, two steps, one escalation contact) for every tier-1 and tier-2 entity."""
    with_runbook = [ids[s] for s in slugs if tiers[s] in (1, 2)]
    insert_objects(
        Runbook,
        ["entity_id", "sla", "related_dashboards", "summary", "last_updated"],
        (
            (e, "Refreshed before 7 AM daily", "Grafana: Pipelines", "What to do when it fails.", now)
            for e in with_runbook
        ),
    )
    runbooks = ids_by(Runbook._meta.db_table, "entity_id", with_runbook)
    insert_objects(
        AlertResponse, ["runbook_id", "position", "alert"], ((r, 0, f"job {e} FAILED") for e, r in runbooks.items())
    )
    alerts = ids_by(AlertResponse._meta.db_table, "runbook_id", list(runbooks.values()))
    steps = [
        (a, n, text, cmd)
        for a in alerts.values()
        for n, (text, cmd) in enumerate(
            [
                ("Check the logs of the failed task", ""),
                ("Re-run from the failed task", "airflow tasks clear job -t load"),
            ]
        )
    ]
    insert_objects(RunbookStep, ["alert_id", "position", "instruction", "command"], steps)
    insert_objects(
        EscalationContact,
        ["runbook_id", "position", "situation", "target", "contact_method"],
        ((r, 0, "Not fixed in 30 min", "Data Engineering on call", "Page") for r in runbooks.values()),
    )
    return len(with_runbook)


def generate(*, actor, sizes: Sizes) -> Counter:
    """Write the generated catalog in one transaction; the same seed gives the same catalog."""
    rnd = random.Random(sizes.seed)
    now = timezone.now()
    counts: Counter = Counter()
    with transaction.atomic():
        team_ids, person_ids, members = _org(sizes, rnd)
        slugs, ids, kinds, tiers = _entities(sizes, rnd, now)
        editing = _raci(rnd, slugs, ids, team_ids, members)
        _grants(editing)
        _products(rnd, slugs, ids, kinds, team_ids, person_ids)
        counts["runbooks"] = _runbooks(slugs, ids, tiers, now)
        deps = []
        for i, slug in enumerate(slugs):
            if i and rnd.random() < 0.5:
                target = slugs[rnd.randrange(i)]
                deps.append((ids[slug], ids[target]))
        insert_objects(Dependency, ["source_id", "target_id"], deps)
        documents.add_missing_rows()  # COPY sends no signals; new entities only, so nothing else is out of date
        counts.update(
            teams=len(team_ids),
            people=len(person_ids),
            entities=len(slugs),
            data_products=sum(1 for s in slugs if kinds[s] == EntityKind.DATA_PRODUCT),
            dependencies=len(deps),
        )
        audit.record(
            actor=actor,
            verb="catalog.generated",
            changes={"created": dict(counts)},
            message=f"Generated catalog (seed {sizes.seed}): "
            + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())),
        )
    bulk.loaded()
    api_documents.refresh_after_load(ids.values())  # ready for their first read
    return counts
