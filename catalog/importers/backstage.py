"""Backstage descriptors into the catalog: every descriptor is checked first, then all is written in one transaction.

Mapping: Component, API and Resource become services (a Component of type data-product a data product); System,
Domain, Group (a team) and User (a person) keep their names as slugs. `spec.owner` becomes the Accountable party,
and Responsible too (R9 needs one); `spec.system`/`spec.domain` keep the grouping; `spec.dependsOn` the
dependencies; `spec.memberOf` memberships; `spec.parent` the team tree. Re-importing updates what exists.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from catalog import documents, permissions
from catalog.api import documents as api_documents
from catalog.choices import EntityKind, Lifecycle, RaciRole
from catalog.importers import bulk
from catalog.importers.bulk import ids_by_slug, insert_rows
from catalog.importers.descriptors import Descriptor, Problem, parse_ref, read_descriptors, slug_of
from catalog.models import Dependency, Domain, Entity, Membership, Ownership, Person, System, Team
from portal import audit

__all__ = ["BackstageImportError", "ImportReport", "import_descriptors"]

ENTITY_KINDS = ("component", "api", "resource")
TYPE_TO_KIND = {
    "service": EntityKind.PLATFORM_COMPONENT,
    "library": EntityKind.PLATFORM_COMPONENT,
    "website": EntityKind.DASHBOARD,
    "dashboard": EntityKind.DASHBOARD,
    "job": EntityKind.PIPELINE,
    "pipeline": EntityKind.PIPELINE,
    "data-pipeline": EntityKind.PIPELINE,
    "ml-model": EntityKind.ML_MODEL,
    "kafka-topic": EntityKind.KAFKA_TOPIC,
    "topic": EntityKind.KAFKA_TOPIC,
}
DATA_PRODUCT_TYPES = ("data-product", "dataset")
SERVICE_LIFECYCLES = {"production": Lifecycle.PRODUCTION, "experimental": Lifecycle.EXPERIMENTAL}
SERVICE_LIFECYCLES["deprecated"] = Lifecycle.DEPRECATED
PRODUCT_LIFECYCLES = {"production": Lifecycle.PUBLISHED, "experimental": Lifecycle.DRAFT}
PRODUCT_LIFECYCLES["deprecated"] = Lifecycle.DEPRECATED
REQUIRED = {
    "component": ("type", "lifecycle", "owner"),
    "api": ("type", "lifecycle", "owner"),
    "resource": ("type", "owner"),
    "system": ("owner",),
    "domain": ("owner",),
    "group": ("type",),
    "user": (),
}
SPACE = {"component": "entity", "api": "entity", "resource": "entity"}  # one slug space for all entities
LABEL = {"entity": "component, API or resource", "group": "group", "user": "user", "system": "system"}
LABEL["domain"] = "domain"


class BackstageImportError(Exception):
    """The descriptors have problems; nothing was written."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s): " + "; ".join(str(p) for p in problems[:5]))


@dataclass
class ImportReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    files: list[str] = field(default_factory=list)

    def summary(self) -> str:
        def part(counts: Counter) -> str:
            return ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "nothing"

        return f"created {part(self.created)}; updated {part(self.updated)}"


def _text(value, limit: int) -> str:
    return str(value).strip()[:limit] if value is not None else ""


#
# Validation: everything is checked before anything is written
#


@dataclass
class _Plan:
    by_space: dict[str, dict[str, Descriptor]] = field(default_factory=lambda: defaultdict(dict))
    existing: dict[str, dict[str, int]] = field(default_factory=dict)
    existing_entity_kinds: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def known(self, space: str, slug: str) -> bool:
        return slug in self.by_space[space] or slug in self.existing.get(space, {})


def _space(kind: str) -> str:
    return SPACE.get(kind, kind)


def _collect(descriptors: list[Descriptor], plan: _Plan) -> None:
    for d in descriptors:
        space, slug = _space(d.kind), slug_of(d.name)
        first = plan.by_space[space].get(slug)
        if first is not None:
            plan.problems.append(
                d.problem(f"{d.kind} '{d.name}' is defined twice (also at {first.file}:{first.line})", "metadata")
            )
            continue
        plan.by_space[space][slug] = d


def _load_existing(plan: _Plan, referenced: dict[str, set[str]]) -> None:
    for space, model in (("group", Team), ("user", Person), ("system", System), ("domain", Domain)):
        slugs = set(plan.by_space[space]) | referenced[space]
        plan.existing[space] = dict(model.objects.filter(slug__in=slugs).values_list("slug", "id"))
    slugs = set(plan.by_space["entity"]) | referenced["entity"]
    rows = Entity.objects.filter(slug__in=slugs).values_list("slug", "id", "kind")
    plan.existing["entity"] = {slug: pk for slug, pk, _ in rows}
    plan.existing_entity_kinds = {slug: kind for slug, _, kind in rows}


def _refs(d: Descriptor) -> list[tuple[str, object, str, tuple[str, ...]]]:
    """(field path, raw reference, default kind, allowed kinds) of every reference in `d`."""
    spec = d.spec
    refs = []
    if "owner" in spec:
        refs.append((("spec", "owner"), spec.get("owner"), "group", ("group", "user")))
    if d.kind in ENTITY_KINDS and spec.get("system"):
        refs.append((("spec", "system"), spec.get("system"), "system", ("system",)))
    if d.kind == "system" and spec.get("domain"):
        refs.append((("spec", "domain"), spec.get("domain"), "domain", ("domain",)))
    if d.kind == "group" and spec.get("parent"):
        refs.append((("spec", "parent"), spec.get("parent"), "group", ("group",)))
    for key, default, allowed in (
        ("dependsOn", "component", ENTITY_KINDS),
        ("memberOf", "group", ("group",)),
    ):
        values = spec.get(key)
        if values is None:
            continue
        if not isinstance(values, list):
            refs.append((("spec", key), values, default, ("list",)))
            continue
        refs.extend((("spec", key, i), value, default, allowed) for i, value in enumerate(values))
    return refs


def _check(d: Descriptor, plan: _Plan) -> None:
    spec = d.data.get("spec")
    if spec is not None and not isinstance(spec, dict):
        plan.problems.append(d.problem("spec must be a mapping", "spec"))
        return
    for key in REQUIRED[d.kind]:
        value = d.spec.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            plan.problems.append(d.problem(f"spec.{key} is required for a {d.data.get('kind')}", "spec"))
    if d.kind in ENTITY_KINDS:
        _check_entity(d, plan)
    for path, raw, default, allowed in _refs(d):
        where = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in path).replace(".[", "[")
        if allowed == ("list",):
            plan.problems.append(d.problem(f"{where} must be a list of entity references", *path))
            continue
        ref = parse_ref(raw, default)
        if ref is None:
            plan.problems.append(d.problem(f"{where} is not an entity reference: {raw!r}", *path))
            continue
        kind, name = ref
        if kind not in allowed:
            plan.problems.append(
                d.problem(f"{where} refers to a {kind}; it must be a {' or '.join(allowed)}: '{raw}'", *path)
            )
            continue
        space, slug = _space(kind), slug_of(name)
        if "/" in name or not plan.known(space, slug):
            plan.problems.append(d.problem(f"{where}: no {LABEL[space]} '{raw}' in these files or the catalog", *path))
        elif path[1] == "dependsOn" and _space(d.kind) == "entity" and slug == slug_of(d.name):
            plan.problems.append(d.problem(f"{where}: an entity cannot depend on itself", *path))
        elif path[1] == "parent" and slug == slug_of(d.name):
            plan.problems.append(d.problem(f"{where}: a group cannot be its own parent", *path))


def _check_entity(d: Descriptor, plan: _Plan) -> None:
    is_product = d.kind == "component" and str(d.spec.get("type", "")).lower() in DATA_PRODUCT_TYPES
    lifecycle = str(d.spec.get("lifecycle", "production")).lower()
    allowed = PRODUCT_LIFECYCLES if is_product else SERVICE_LIFECYCLES
    if d.spec.get("lifecycle") is not None and lifecycle not in allowed:
        plan.problems.append(
            d.problem(
                f"spec.lifecycle '{d.spec['lifecycle']}' is not one of: {', '.join(allowed)}", "spec", "lifecycle"
            )
        )
    existing_kind = plan.existing_entity_kinds.get(slug_of(d.name))
    if existing_kind is not None and (existing_kind == EntityKind.DATA_PRODUCT) != is_product:
        what = "a data product" if existing_kind == EntityKind.DATA_PRODUCT else "a service"
        plan.problems.append(d.problem(f"'{d.name}' is {what} in the catalog; its kind cannot change", "spec", "type"))


def _check_group_cycles(plan: _Plan) -> None:
    parents = {}
    for slug, d in plan.by_space["group"].items():
        ref = parse_ref(d.spec.get("parent"), "group") if d.spec.get("parent") else None
        if ref:
            parents[slug] = slug_of(ref[1])
    for start, d in plan.by_space["group"].items():
        seen, slug = {start}, parents.get(start)
        while slug is not None:
            if slug in seen:
                plan.problems.append(d.problem("spec.parent makes a cycle of groups", "spec", "parent"))
                break
            seen.add(slug)
            slug = parents.get(slug)


def _validate(descriptors: list[Descriptor], problems: list[Problem]) -> _Plan:
    plan = _Plan(problems=list(problems))
    _collect(descriptors, plan)
    referenced: dict[str, set[str]] = defaultdict(set)
    for d in descriptors:
        for _path, raw, default, _allowed in _refs(d):
            ref = parse_ref(raw, default)
            if ref:
                referenced[_space(ref[0])].add(slug_of(ref[1]))
    _load_existing(plan, referenced)
    for space in list(plan.by_space):
        for d in plan.by_space[space].values():
            _check(d, plan)
    _check_group_cycles(plan)
    return plan


#
# Writing
#


def _display_names(model, field_name: str, wanted: dict[str, str], limit: int) -> dict[str, str]:
    """Names are unique in these tables: a name another slug already uses becomes 'name (slug)'."""
    taken = {
        name: slug
        for name, slug in model.objects.filter(**{f"{field_name}__in": list(wanted.values())}).values_list(
            field_name, "slug"
        )
    }
    used: set[str] = set()
    names = {}
    for slug, name in wanted.items():
        name = name[:limit] or slug
        if (taken.get(name, slug) != slug) or name in used:
            name = f"{name[: limit - len(slug) - 3]} ({slug})"
        used.add(name)
        names[slug] = name
    return names


def _upsert(model, rows: dict[str, dict], existing: dict[str, int], report: ImportReport, label: str) -> dict[str, int]:
    """Create the new rows and update the existing ones (by slug); returns {slug: id} for all."""
    new = [model(slug=slug, **values) for slug, values in rows.items() if slug not in existing]
    model.objects.bulk_create(new, batch_size=2000)
    old = [model(pk=existing[slug], slug=slug, **values) for slug, values in rows.items() if slug in existing]
    if old:
        model.objects.bulk_update(old, [k for k in next(iter(rows.values()))], batch_size=2000)
    report.created[label] += len(new)
    report.updated[label] += len(old)
    return {**existing, **ids_by_slug(model._meta.db_table, [o.slug for o in new])}


def _write_domains_and_systems(plan: _Plan, report: ImportReport) -> tuple[dict, dict]:
    domains = plan.by_space["domain"]
    names = _display_names(
        Domain, "name", {s: _text(d.metadata.get("title") or d.name, 100) for s, d in domains.items()}, 100
    )
    rows = {
        s: {"name": names[s], "description": _text(d.metadata.get("description"), 10_000)} for s, d in domains.items()
    }
    domain_ids = _upsert(Domain, rows, plan.existing["domain"], report, "domains")
    systems = plan.by_space["system"]
    names = _display_names(
        System, "name", {s: _text(d.metadata.get("title") or d.name, 100) for s, d in systems.items()}, 100
    )
    rows = {}
    for s, d in systems.items():
        ref = parse_ref(d.spec.get("domain"), "domain") if d.spec.get("domain") else None
        rows[s] = {
            "name": names[s],
            "description": _text(d.metadata.get("description"), 10_000),
            "domain_id": domain_ids[slug_of(ref[1])] if ref else None,
        }
    system_ids = _upsert(System, rows, plan.existing["system"], report, "systems")
    return domain_ids, system_ids


def _write_teams(plan: _Plan, report: ImportReport) -> dict[str, int]:
    groups = plan.by_space["group"]
    wanted = {}
    for slug, d in groups.items():
        profile = d.spec.get("profile") if isinstance(d.spec.get("profile"), dict) else {}
        wanted[slug] = _text(profile.get("displayName") or d.metadata.get("title") or d.name, 100)
    names = _display_names(Team, "name", wanted, 100)
    rows = {}
    for slug, d in groups.items():
        profile = d.spec.get("profile") if isinstance(d.spec.get("profile"), dict) else {}
        rows[slug] = {
            "name": names[slug],
            "description": _text(d.metadata.get("description"), 10_000),
            "email": _text(profile.get("email"), 254),
        }
    team_ids = _upsert(Team, rows, plan.existing["group"], report, "teams")
    # Parents once every team exists; each team's Django group (its edit grants) created in bulk.
    parents = []
    for slug, d in groups.items():
        ref = parse_ref(d.spec.get("parent"), "group") if d.spec.get("parent") else None
        parents.append(Team(pk=team_ids[slug], parent_id=team_ids[slug_of(ref[1])] if ref else None))
    Team.objects.bulk_update(parents, ["parent"], batch_size=2000)
    without_group = list(Team.objects.filter(pk__in=[team_ids[s] for s in groups], group__isnull=True).only("slug"))
    Group.objects.bulk_create([Group(name=f"team:{t.slug}") for t in without_group], ignore_conflicts=True)
    group_ids = dict(Group.objects.filter(name__in=[f"team:{t.slug}" for t in without_group]).values_list("name", "id"))
    for team in without_group:
        team.group_id = group_ids[f"team:{team.slug}"]
    Team.objects.bulk_update(without_group, ["group"], batch_size=2000)
    return team_ids


def _write_people(plan: _Plan, report: ImportReport, team_ids: dict[str, int]) -> dict[str, int]:
    users = plan.by_space["user"]
    rows = {}
    for slug, d in users.items():
        profile = d.spec.get("profile") if isinstance(d.spec.get("profile"), dict) else {}
        rows[slug] = {
            "full_name": _text(profile.get("displayName") or d.metadata.get("title") or d.name, 150),
            "email": _text(profile.get("email"), 254),
        }
    person_ids = _upsert(Person, rows, plan.existing["user"], report, "people")
    memberships = []
    for slug, d in users.items():
        for raw in d.spec.get("memberOf") or []:
            team_slug = slug_of(parse_ref(raw, "group")[1])
            memberships.append(Membership(person_id=person_ids[slug], team_id=team_ids[team_slug]))
    before = Membership.objects.count()
    Membership.objects.bulk_create(memberships, batch_size=5000, ignore_conflicts=True)
    report.created["memberships"] += Membership.objects.count() - before
    # Only people with a login carry grants: keep those teams' groups in step.
    touched = {m.team_id for m in memberships}
    for team in Team.objects.filter(pk__in=touched, memberships__person__user__isnull=False).distinct():
        permissions.sync_team_members(team)
    return person_ids


def _entity_row(d: Descriptor, system_ids: dict, system_domains: dict) -> dict:
    spec = d.spec
    type_ = str(spec.get("type", "")).lower()
    is_product = d.kind == "component" and type_ in DATA_PRODUCT_TYPES
    if d.kind == "api":
        kind = EntityKind.API
    elif is_product:
        kind = EntityKind.DATA_PRODUCT
    else:
        kind = TYPE_TO_KIND.get(type_, EntityKind.PLATFORM_COMPONENT)
    lifecycles = PRODUCT_LIFECYCLES if is_product else SERVICE_LIFECYCLES
    system_ref = parse_ref(spec.get("system"), "system") if spec.get("system") else None
    system_id = system_ids[slug_of(system_ref[1])] if system_ref else None
    return {
        "kind": kind,
        "name": _text(d.metadata.get("title") or d.name, 200),
        "description": _text(d.metadata.get("description"), 100_000),
        "lifecycle": lifecycles[str(spec.get("lifecycle", "production")).lower()],
        "system_id": system_id,
        "domain_id": system_domains.get(system_id),
    }


def _source_url(d: Descriptor) -> str:
    annotations = d.metadata.get("annotations") if isinstance(d.metadata.get("annotations"), dict) else {}
    url = str(annotations.get("backstage.io/source-location", "")).removeprefix("url:")
    return url if url.startswith(("http://", "https://")) and len(url) <= 200 else ""


def _write_entities(plan: _Plan, report: ImportReport, system_ids: dict[str, int]) -> dict[str, int]:
    system_domains = dict(System.objects.filter(pk__in=system_ids.values()).values_list("id", "domain_id"))
    now = timezone.now()
    rows = {slug: _entity_row(d, system_ids, system_domains) for slug, d in plan.by_space["entity"].items()}
    existing = plan.existing["entity"]
    new = [slug for slug in rows if slug not in existing]
    columns = ["slug", "kind", "name", "description", "lifecycle", "system_id", "domain_id", "tier", "created"]
    insert_rows(
        Entity._meta.db_table,
        [*columns, "updated"],
        ([slug, *(rows[slug][c] for c in columns[1:7]), 3, now, now] for slug in new),
    )
    new_ids = ids_by_slug(Entity._meta.db_table, new)
    services = [s for s in new if rows[s]["kind"] != EntityKind.DATA_PRODUCT]
    products = [s for s in new if rows[s]["kind"] == EntityKind.DATA_PRODUCT]
    docs = {s: _source_url(plan.by_space["entity"][s]) for s in new}
    insert_rows(
        "catalog_service",
        ["entity_ptr_id", "repository_url", "docs_url"],
        ([new_ids[s], docs[s], ""] for s in services),
    )
    insert_rows(
        "catalog_dataproduct",
        ["entity_ptr_id", "documentation", "documentation_url", "quality_sla"],
        ([new_ids[s], "", "", ""] for s in products),
    )
    old = [Entity(pk=existing[s], updated=now, **rows[s]) for s in rows if s in existing]
    Entity.objects.bulk_update(old, [*columns[2:7], "updated"], batch_size=2000)
    report.created["services"] += len(services)
    report.created["data products"] += len(products)
    report.updated["entities"] += len(old)
    return {**existing, **new_ids}


def _write_ownership(plan: _Plan, entity_ids: dict, team_ids: dict, person_ids: dict) -> list[int]:
    ids = [entity_ids[s] for s in plan.by_space["entity"]]
    bulk.delete_by(Ownership._meta.db_table, "entity_id", ids, role=RaciRole.ACCOUNTABLE)
    rows = []
    for slug, d in plan.by_space["entity"].items():
        kind, name = parse_ref(d.spec["owner"], "group")
        party = {"team_id": team_ids[slug_of(name)]} if kind == "group" else {"person_id": person_ids[slug_of(name)]}
        rows += [
            Ownership(entity_id=entity_ids[slug], role=role, **party)
            for role in (RaciRole.ACCOUNTABLE, RaciRole.RESPONSIBLE)
        ]
    Ownership.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)
    deps = []
    for slug, d in plan.by_space["entity"].items():
        for raw in d.spec.get("dependsOn") or []:
            deps.append(
                Dependency(source_id=entity_ids[slug], target_id=entity_ids[slug_of(parse_ref(raw, "component")[1])])
            )
    bulk.delete_by(Dependency._meta.db_table, "source_id", ids)
    Dependency.objects.bulk_create(deps, batch_size=5000, ignore_conflicts=True)
    return ids


def import_descriptors(*, actor, sources: Iterable[tuple[str, str]]) -> ImportReport:
    """Import (file name, YAML text) pairs; raises BackstageImportError, writing nothing, if any is wrong."""
    sources = list(sources)
    descriptors, problems = read_descriptors(sources)
    plan = _validate(descriptors, problems)
    if plan.problems:
        raise BackstageImportError(sorted(plan.problems, key=lambda p: (p.file, p.line)))
    report = ImportReport(files=[name for name, _ in sources])
    with transaction.atomic():
        domain_ids, system_ids = _write_domains_and_systems(plan, report)
        team_ids = _write_teams(plan, report)
        person_ids = _write_people(plan, report, team_ids)
        entity_ids = _write_entities(plan, report, system_ids)
        linked_before = documents.neighbours(entity_ids[s] for s in plan.by_space["entity"])  # before they change
        ids = _write_ownership(plan, entity_ids, team_ids, person_ids)
        permissions.sync_grants(ids)
        # What the stored API documents show changed here without signals (COPY, raw deletes): say what.
        documents.add_missing_rows()
        documents.out_of_date([*ids, *linked_before, *documents.neighbours(ids)])
        documents.showing(teams=team_ids.values(), people=person_ids.values())
        documents.showing(domains=domain_ids.values(), systems=system_ids.values())
        audit.record(
            actor=actor,
            verb="catalog.imported",
            changes={"created": dict(report.created), "updated": dict(report.updated)},
            message=f"Backstage import of {len(sources)} file(s): {report.summary()}",
        )
    bulk.loaded()
    api_documents.refresh_after_load(ids)  # the imported entities' documents, ready for their first read
    return report
