"""Reads that cross models or feed a page, each in a constant number of queries."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from catalog import rules
from catalog.choices import MembershipRole, RaciRole
from catalog.models import (
    DataProduct,
    DataProductConsumer,
    DataProductVersion,
    Dependency,
    Entity,
    Membership,
    Ownership,
    Runbook,
    Service,
    Team,
)
from catalog.models.dataproducts import semver_key

MAX_DEPENDENCY_DEPTH = 50  # a guard against cycles; real chains are a handful deep

#
# Base querysets (lists and details): owners and their parties prefetched in one query each
#


def owners_prefetch() -> Prefetch:
    return Prefetch("ownerships", queryset=Ownership.objects.select_related("team", "person"))


def _with_runbook_flag(qs: QuerySet) -> QuerySet:
    entity_pk = "entity_ptr_id" if qs.model is not Entity else "pk"
    return qs.annotate(has_runbook=Exists(Runbook.objects.filter(entity_id=OuterRef(entity_pk))))


def service_queryset() -> QuerySet[Service]:
    return _with_runbook_flag(Service.objects.select_related("domain", "system").prefetch_related(owners_prefetch()))


def data_product_extras() -> list[Prefetch | str]:
    """What a data product shows beyond an entity: consumers, versions (newest first), datasets, contract."""
    return [
        Prefetch("consumers", queryset=DataProductConsumer.objects.select_related("team", "person")),
        Prefetch("versions", queryset=DataProductVersion.objects.order_by("-released_at", "-id")),
        "output_datasets",
        "contract_fields",
    ]


def data_product_queryset() -> QuerySet[DataProduct]:
    return _with_runbook_flag(
        DataProduct.objects.select_related("domain", "system").prefetch_related(
            owners_prefetch(), *data_product_extras()
        )
    )


def entity_queryset() -> QuerySet[Entity]:
    return _with_runbook_flag(Entity.objects.select_related("domain", "system").prefetch_related(owners_prefetch()))


def team_queryset() -> QuerySet[Team]:
    """Teams with their members and the counts R1 needs."""
    return Team.objects.select_related("parent").annotate(
        engineer_count=Count("memberships", filter=~Q(memberships__role=MembershipRole.LEAD), distinct=True),
        subteam_lead_count=Count("memberships", filter=Q(memberships__role=MembershipRole.SUBTEAM_LEAD), distinct=True),
    )


#
# Owners
#


@dataclass
class Owners:
    """An entity's RACI, read from its prefetched ownership rows."""

    by_role: dict[str, list] = field(default_factory=dict)

    @property
    def accountable(self):
        rows = self.by_role.get(RaciRole.ACCOUNTABLE, [])
        return rows[0] if rows else None

    @property
    def responsible(self) -> list:
        return self.by_role.get(RaciRole.RESPONSIBLE, [])

    @property
    def consulted(self) -> list:
        return self.by_role.get(RaciRole.CONSULTED, [])

    @property
    def informed(self) -> list:
        return self.by_role.get(RaciRole.INFORMED, [])


def entity_owners(entity: Entity) -> Owners:
    by_role: dict[str, list] = defaultdict(list)
    for ownership in entity.ownerships.all():  # uses the prefetch when there is one
        by_role[ownership.role].append(ownership.party)
    return Owners(dict(by_role))


def current_version(product: DataProduct) -> DataProductVersion | None:
    versions = list(product.versions.all())
    return max(versions, key=lambda v: semver_key(v.version)) if versions else None


def entity_flags(entity: Entity) -> list[str]:
    """R11 flags of one entity read from prefetched owners and the has_runbook annotation."""
    has_runbook = getattr(entity, "has_runbook", None)
    if has_runbook is None:
        has_runbook = Runbook.objects.filter(entity_id=entity.pk).exists()
    return rules.tier1_gaps(
        tier=entity.tier, has_accountable=entity_owners(entity).accountable is not None, has_runbook=has_runbook
    )


#
# Dependencies, both ways, to any depth (one recursive query each way)
#


def _walk(start_id: int, forward: bool) -> dict[int, int]:
    """{entity id: shortest depth} reachable from start_id along dependencies (forward) or dependents."""
    near, far = ("source_id", "target_id") if forward else ("target_id", "source_id")
    table = Dependency._meta.db_table
    sql = f"""
        WITH RECURSIVE walk(id, depth) AS (
            SELECT {far}, 1 FROM {table} WHERE {near} = %s
            UNION
            SELECT d.{far}, w.depth + 1 FROM {table} d JOIN walk w ON d.{near} = w.id
            WHERE w.depth < %s
        )
        SELECT id, MIN(depth) FROM walk WHERE id <> %s GROUP BY id
    """  # noqa: S608 (table and column names are ours; values are parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, [start_id, MAX_DEPENDENCY_DEPTH, start_id])
        return dict(cursor.fetchall())


@dataclass
class DependencyGraph:
    upstream: list  # what the entity depends on: [(entity, depth)]
    downstream: list  # what depends on the entity
    edges: list[tuple[int, int]]
    positions: dict[int, tuple[int, int]]
    width: int
    height: int


GRAPH_COLUMN = 190
GRAPH_ROW = 38


def dependency_graph(entity: Entity) -> DependencyGraph:
    """Both directions with depths, the edges between them, and a layered layout for a small SVG."""
    upstream_depths = _walk(entity.pk, forward=True)
    downstream_depths = _walk(entity.pk, forward=False)
    ids = set(upstream_depths) | set(downstream_depths) | {entity.pk}
    entities = {e.pk: e for e in Entity.objects.filter(pk__in=ids).only("id", "name", "slug", "kind", "tier")}
    edges = list(Dependency.objects.filter(source_id__in=ids, target_id__in=ids).values_list("source_id", "target_id"))
    # Columns: dependencies to the left (by depth), the entity in the middle, dependents to the right.
    column = {entity.pk: 0}
    column.update({pk: -d for pk, d in upstream_depths.items()})
    column.update({pk: d for pk, d in downstream_depths.items() if pk not in upstream_depths})
    min_col = min(column.values())
    rows: dict[int, int] = defaultdict(int)
    positions = {}
    for pk in sorted(column, key=lambda p: (column[p], entities[p].name if p in entities else "")):
        col = column[pk] - min_col
        positions[pk] = (20 + col * GRAPH_COLUMN, 24 + rows[col] * GRAPH_ROW)
        rows[col] += 1
    width = 40 + (max(column.values()) - min_col + 1) * GRAPH_COLUMN
    height = 30 + max(rows.values()) * GRAPH_ROW
    return DependencyGraph(
        upstream=sorted(
            ((entities[pk], d) for pk, d in upstream_depths.items() if pk in entities),
            key=lambda x: (x[1], x[0].name),
        ),
        downstream=sorted(
            ((entities[pk], d) for pk, d in downstream_depths.items() if pk in entities),
            key=lambda x: (x[1], x[0].name),
        ),
        edges=[(s, t) for s, t in edges if s in positions and t in positions],
        positions=positions,
        width=width,
        height=height,
    )


#
# Teams: the team page, R1 flags, the RACI matrix
#


def team_flags(team: Team) -> list[str]:
    """R1 flags of a team from the team_queryset() annotations."""
    if rules.needs_subteam_lead(
        is_subteam=team.parent_id is not None,
        engineers=team.engineer_count,
        subteam_leads=team.subteam_lead_count,
    ):
        return [f"{team.engineer_count} engineers and no subteam lead (R1)"]
    return []


def teams_needing_subteam_lead() -> list[Team]:
    return [t for t in team_queryset().filter(parent__isnull=False) if team_flags(t)]


TEAM_PAGE_ENTITIES = 20  # per role on the team page; the RACI matrix pages through all of them
TEAM_PAGE_ROLE_ORDER = (RaciRole.ACCOUNTABLE, RaciRole.RESPONSIBLE, RaciRole.CONSULTED, RaciRole.INFORMED)


@dataclass
class OwnedByRole:
    count: int  # distinct entities the team or a member holds this role on
    entities: list  # the first TEAM_PAGE_ENTITIES of them by name


def _involving(team: Team) -> Q:
    """Ownership rows held by the team or by one of its members. The member ids are read first: with a subquery
    in the OR, PostgreSQL scans every ownership row; with a list, it combines two index scans."""
    members = list(Membership.objects.filter(team=team).values_list("person_id", flat=True))
    return Q(team=team) | Q(person_id__in=members)


def team_owned_entities(team: Team, limit: int = TEAM_PAGE_ENTITIES) -> dict[str, OwnedByRole]:
    """What the team (or one of its members) holds a RACI role on, by role: how many, and the first `limit` by
    name. A large team holds thousands at scale, so the page shows a bounded list (5 queries whatever the size)."""
    involved = Ownership.objects.filter(_involving(team))
    counts = dict(
        involved.order_by().values("role").annotate(n=Count("entity_id", distinct=True)).values_list("role", "n")
    )
    owned = {}
    for role in [r for r in TEAM_PAGE_ROLE_ORDER if r in counts]:
        entity_ids = involved.filter(role=role).values("entity_id")
        entities = list(Entity.objects.filter(pk__in=entity_ids).order_by("name", "id")[:limit])
        owned[role] = OwnedByRole(count=counts[role], entities=entities)
    return owned


RACI_PAGE_SIZE = 50  # entities per page of the matrix


@dataclass
class RaciMatrix:
    parties: list  # column headers: teams and people with a role on this page's entities
    rows: list  # [(entity, [role or "" per party])]
    page: Page  # of entity ids: the count and the links to the other pages


def raci_matrix(team: Team, page_number=1, per_page: int = RACI_PAGE_SIZE) -> RaciMatrix:
    """Entities the team is involved in (rows, by name, one page of them) by every party with a role on the
    entities of that page (columns)."""
    involved = Ownership.objects.filter(_involving(team)).values("entity_id")
    entity_ids = Entity.objects.filter(pk__in=involved).order_by("name", "id").values_list("pk", flat=True)
    page = Paginator(entity_ids, per_page).get_page(page_number)
    ownerships = list(
        Ownership.objects.filter(entity_id__in=list(page))
        .select_related("entity", "team", "person")
        .order_by("entity__name", "entity_id", "role")
    )
    parties: dict[tuple[str, int], object] = {}
    for o in ownerships:
        parties.setdefault(("team", o.team_id) if o.team_id else ("person", o.person_id), o.party)
    # The team itself first, then other teams, then people.
    keys = sorted(parties, key=lambda k: (k != ("team", team.pk), k[0] == "person", str(parties[k])))
    roles: dict[int, dict] = defaultdict(dict)
    entities: dict[int, Entity] = {}
    for o in ownerships:
        entities[o.entity_id] = o.entity
        roles[o.entity_id][("team", o.team_id) if o.team_id else ("person", o.person_id)] = o.role
    rows = [(entities[eid], [roles[eid].get(k, "") for k in keys]) for eid in entities]
    return RaciMatrix(parties=[parties[k] for k in keys], rows=rows, page=page)


#
# The dashboard: R11 flags and the runbook-completeness KPI
#


def runbook_completeness() -> list[dict]:
    """Per tier 1 and 2: how many entities have a runbook, and the percentage (R11's KPI)."""
    counts = (
        Entity.objects.filter(tier__in=[1, 2])
        .exclude(lifecycle="deprecated")
        .annotate(has_runbook=Exists(Runbook.objects.filter(entity_id=OuterRef("pk"))))
        .values("tier")
        .annotate(total=Count("id"), done=Count("id", filter=Q(has_runbook=True)))
        .order_by("tier")
    )
    by_tier = {row["tier"]: row for row in counts}
    return [
        {
            "tier": tier,
            "total": by_tier.get(tier, {}).get("total", 0),
            "done": by_tier.get(tier, {}).get("done", 0),
            "percent": rules.completeness_percent(
                by_tier.get(tier, {}).get("done", 0), by_tier.get(tier, {}).get("total", 0)
            ),
        }
        for tier in (1, 2)
    ]


def tier1_flagged(limit: int = 20) -> list[tuple[Entity, list[str]]]:
    """Tier-1 entities missing an accountable owner or a runbook (R11)."""
    qs = (
        Entity.objects.filter(tier=1)
        .exclude(lifecycle="deprecated")
        .annotate(
            has_runbook=Exists(Runbook.objects.filter(entity_id=OuterRef("pk"))),
            has_accountable=Exists(Ownership.objects.filter(entity_id=OuterRef("pk"), role=RaciRole.ACCOUNTABLE)),
        )
        .filter(Q(has_runbook=False) | Q(has_accountable=False))
        .order_by("name")[:limit]
    )
    return [(e, rules.tier1_gaps(tier=1, has_accountable=e.has_accountable, has_runbook=e.has_runbook)) for e in qs]


def person_for_user(user) -> object | None:
    return getattr(user, "person", None) if user.is_authenticated else None


def memberships_of(team: Team) -> QuerySet[Membership]:
    return team.memberships.select_related("person").order_by("role", "person__full_name")
