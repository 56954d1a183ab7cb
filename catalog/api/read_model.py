"""The read side of the entity API: a page of services or data products in two queries, whatever its size.

Each row carries its RACI owners and its dependency slugs as JSON columns built by the database (correlated
subqueries over indexed foreign keys), so a page needs no prefetch queries. A list first pages plain ids (an index
scan in the requested order), then reads the rows of those ids: PostgreSQL computes the select list of every row an
OFFSET skips, so the JSON columns must not sit on the query that skips them.

Building that query with the ORM costs more than running it (about 2.5 ms against 1 ms for one row), so its SQL is
built once per shape and process and only re-bound afterwards (see docs/benchmarks.md).
"""

import json
from collections.abc import Sequence
from functools import cache

from django.db.models import Exists, F, JSONField, Model, OuterRef, QuerySet, Subquery
from django.db.models.functions import JSONObject

from catalog.choices import EntityKind, RaciRole
from catalog.models import DataProduct, Dependency, Entity, Ownership, Runbook
from portal.dbfunctions import JSONList

ROLE_KEYS = {
    RaciRole.ACCOUNTABLE: "accountable",
    RaciRole.RESPONSIBLE: "responsible",
    RaciRole.CONSULTED: "consulted",
    RaciRole.INFORMED: "informed",
}
ROLE_ORDER = {role: index for index, role in enumerate(sorted(RaciRole.values))}  # Ownership's Meta.ordering


def _json_rows(queryset: QuerySet, group_by: str, row) -> Subquery:
    """One JSON array per outer row: `row` of every matching inner row (NULL when there are none)."""
    aggregated = queryset.order_by().values(group_by).annotate(rows=JSONList(row)).values("rows")
    return Subquery(aggregated, output_field=JSONField())


def _owner_rows() -> Subquery:
    row = JSONObject(
        id=F("id"),
        role=F("role"),
        team=F("team__slug"),
        team_name=F("team__name"),
        team_email=F("team__email"),
        team_chat=F("team__chat_channel"),
        person=F("person__slug"),
        person_name=F("person__full_name"),
        person_email=F("person__email"),
        person_chat=F("person__chat_handle"),
    )
    return _json_rows(Ownership.objects.filter(entity_id=OuterRef("pk")), "entity_id", row)


def _dependency_slugs(forward: bool) -> Subquery:
    this, other = ("source", "target") if forward else ("target", "source")
    links = Dependency.objects.filter(**{f"{this}_id": OuterRef("pk")})
    return _json_rows(links, f"{this}_id", F(f"{other}__slug"))


def listed(model: type[Model]) -> QuerySet[Entity]:
    """The entity rows a list of `model` pages over: filtered by kind rather than joined to the child table, so
    PostgreSQL can page in name order over one index (every filter and ordering field is the entity's)."""
    if model is DataProduct:
        return Entity.objects.filter(kind=EntityKind.DATA_PRODUCT)
    return Entity.objects.exclude(kind=EntityKind.DATA_PRODUCT)


def rows(model: type[Model]) -> QuerySet:
    """Services, data products or entities with what the API shows of their relations, one query."""
    return model.objects.annotate(
        owner_rows=_owner_rows(),
        depends_on_slugs=_dependency_slugs(forward=True),
        dependent_slugs=_dependency_slugs(forward=False),
        has_runbook=Exists(Runbook.objects.filter(entity_id=OuterRef("pk"))),
        domain_slug=F("domain__slug"),
        system_slug=F("system__slug"),
    )


JSON_COLUMNS = ("owner_rows", "depends_on_slugs", "dependent_slugs")


@cache
def _sql(model: type[Model], field: str, count: int) -> tuple[str, tuple, tuple[int, ...]]:
    """The SQL of `rows(model)` filtered by `field IN (count values)`, its parameters, and where the values go.

    Built with placeholder values the ORM passes through as they are (negative ids, slugs no real slug can be), so
    the positions of the values among the query's own parameters (the JSON keys) can be found again.
    """
    probes = [-(10**9) - i for i in range(count)] if field == "pk" else [f"\x00probe-{i}" for i in range(count)]
    sql, params = rows(model).filter(**{f"{field}__in": probes}).order_by().query.sql_with_params()
    slots = tuple(params.index(probe) for probe in probes)
    return sql, tuple(params), slots


def _fetch(model: type[Model], field: str, values: Sequence) -> list:
    sql, params, slots = _sql(model, field, len(values))
    bound = list(params)
    for slot, value in zip(slots, values, strict=True):
        bound[slot] = value
    found = list(model.objects.raw(sql, bound))
    for row in found:  # raw() converts the model's columns; the annotations come as the database gives them
        for name in JSON_COLUMNS:
            value = getattr(row, name)
            if isinstance(value, str):
                setattr(row, name, json.loads(value))
        row.has_runbook = bool(row.has_runbook)
    return found


def rows_in_order(model: type[Model], ids: Sequence[int]) -> list:
    """The rows of `ids` (one page), in the order of `ids`."""
    if not ids:
        return []
    by_id = {row.pk: row for row in _fetch(model, "pk", ids)}
    return [by_id[pk] for pk in ids if pk in by_id]


def row_by_slug(model: type[Model], slug: str):
    """One row by its slug, or None."""
    found = _fetch(model, "slug", [slug])
    return found[0] if found else None


def owners(entity: Entity) -> dict:
    """The `owners` object of the API from the row's owner_rows column: parties by RACI role, in the order the
    ownership rows sort (role, id)."""
    grouped = {"accountable": None, "responsible": [], "consulted": [], "informed": []}
    for row in sorted(entity.owner_rows or [], key=lambda r: (ROLE_ORDER.get(r["role"], 9), r["id"])):
        if row["team"] is not None:
            party = {
                "type": "team",
                "slug": row["team"],
                "name": row["team_name"],
                "email": row["team_email"],
                "chat": row["team_chat"],
            }
        else:
            party = {
                "type": "person",
                "slug": row["person"],
                "name": row["person_name"],
                "email": row["person_email"],
                "chat": row["person_chat"],
            }
        key = ROLE_KEYS[row["role"]]
        if key == "accountable":
            grouped[key] = grouped[key] or party
        else:
            grouped[key].append(party)
    return grouped
