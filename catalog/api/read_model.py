"""The read side of the entity API: a page of services or data products in two queries, whatever its size.

Each row carries its RACI owners and its dependency slugs (a data product also its consumers, versions, datasets
and contract fields) as JSON columns built by the database (correlated subqueries over indexed foreign keys), so a
page needs no prefetch queries. A list first pages plain ids (an index
scan in the requested order), then reads the rows of those ids: PostgreSQL computes the select list of every row an
OFFSET skips, so the JSON columns must not sit on the query that skips them.

Building that query with the ORM costs more than running it (about 2.5 ms against 1 ms for one row), so its SQL is
built once per shape and process and only re-bound afterwards; on PostgreSQL it runs as a prepared statement
(portal/prepared.py): planning it was most of that 1 ms. Rows come back as plain records (one attribute per column,
no model instances): the serializers only read them.
"""

import json
from collections.abc import Sequence
from functools import cache
from types import SimpleNamespace

from django.db.models import Exists, F, JSONField, Model, OuterRef, QuerySet, Subquery
from django.db.models.functions import JSONObject

from catalog.choices import EntityKind, RaciRole
from catalog.models import (
    ContractField,
    DataProduct,
    DataProductConsumer,
    DataProductVersion,
    Dependency,
    Entity,
    OutputDataset,
    Ownership,
    Runbook,
)
from portal import prepared
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


def _party_fields() -> dict:
    """A RACI row's or a consumer's party, a team or a person: the columns `party()` reads back."""
    return {
        "id": F("id"),
        "team": F("team__slug"),
        "team_name": F("team__name"),
        "team_email": F("team__email"),
        "team_chat": F("team__chat_channel"),
        "person": F("person__slug"),
        "person_name": F("person__full_name"),
        "person_email": F("person__email"),
        "person_chat": F("person__chat_handle"),
    }


def _owner_rows() -> Subquery:
    row = JSONObject(role=F("role"), **_party_fields())
    return _json_rows(Ownership.objects.filter(entity_id=OuterRef("pk")), "entity_id", row)


def _product_rows(model: type[Model], **columns) -> Subquery:
    """A data product's consumers, versions, datasets or contract fields as one JSON column."""
    related = model.objects.filter(data_product_id=OuterRef("pk"))
    return _json_rows(related, "data_product_id", JSONObject(**columns))


def _data_product_extras() -> dict[str, Subquery]:
    return {
        "consumer_rows": _product_rows(DataProductConsumer, purpose=F("purpose"), **_party_fields()),
        "version_rows": _product_rows(
            DataProductVersion, id=F("id"), version=F("version"), changelog=F("changelog"), released_at=F("released_at")
        ),
        "dataset_rows": _product_rows(OutputDataset, name=F("name"), location=F("location")),
        "field_rows": _product_rows(
            ContractField,
            position=F("position"),
            name=F("name"),
            type=F("type"),
            nullable=F("nullable"),
            description=F("description"),
            quality_rules=F("quality_rules"),
        ),
    }


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
    extras = _data_product_extras() if model is DataProduct else {}
    return model.objects.annotate(
        owner_rows=_owner_rows(),
        depends_on_slugs=_dependency_slugs(forward=True),
        dependent_slugs=_dependency_slugs(forward=False),
        has_runbook=Exists(Runbook.objects.filter(entity_id=OuterRef("pk"))),
        domain_slug=F("domain__slug"),
        system_slug=F("system__slug"),
        # The stored document's counter, read in the same snapshot as the rest (catalog/api/documents.py).
        document_wanted=F("document__wanted"),
        **extras,
    )


JSON_COLUMNS = (
    "owner_rows",
    "depends_on_slugs",
    "dependent_slugs",
    "consumer_rows",
    "version_rows",
    "dataset_rows",
    "field_rows",
)


@cache
def _compiled(model: type[Model], count: int) -> prepared.Compiled:
    """The query of `rows(model)` filtered by `pk IN (count ids)`, built once per shape and process."""
    probes = prepared.placeholders(count, numeric=True)
    return prepared.compile_with_probes(rows(model).filter(pk__in=probes), probes)


def rows_in_order(model: type[Model], ids: Sequence[int]) -> list:
    """The rows of `ids` (a page, or a batch of stored documents to build), in the order of `ids`."""
    if not ids:
        return []
    found = prepared.records(model, _compiled(model, len(ids)), ids)
    for row in found:  # the annotations come as the database gives them: JSON as text, SQLite's booleans as 0/1
        for name in JSON_COLUMNS:
            value = getattr(row, name, None)
            if isinstance(value, str):
                setattr(row, name, json.loads(value))
        row.has_runbook = bool(row.has_runbook)
        row.pk = row.id
    by_id = {row.pk: row for row in found}
    return [by_id[pk] for pk in ids if pk in by_id]


def party(row: dict) -> dict:
    """A team or a person as the API shows owners and consumers."""
    kind = "team" if row["team"] is not None else "person"
    return {
        "type": kind,
        "slug": row[kind],
        "name": row[f"{kind}_name"],
        "email": row[f"{kind}_email"],
        "chat": row[f"{kind}_chat"],
    }


def owners(entity: SimpleNamespace) -> dict:
    """The `owners` object of the API from the row's owner_rows column: parties by RACI role, in the order the
    ownership rows sort (role, id)."""
    grouped = {"accountable": None, "responsible": [], "consulted": [], "informed": []}
    for row in sorted(entity.owner_rows or [], key=lambda r: (ROLE_ORDER.get(r["role"], 9), r["id"])):
        key = ROLE_KEYS[row["role"]]
        if key == "accountable":
            grouped[key] = grouped[key] or party(row)
        else:
            grouped[key].append(party(row))
    return grouped


def consumers(product: SimpleNamespace) -> list[dict]:
    return [{**party(r), "purpose": r["purpose"]} for r in sorted(product.consumer_rows or [], key=lambda r: r["id"])]


def versions(product: SimpleNamespace) -> list[dict]:
    """Newest first (released, then added), as DataProductVersion sorts."""
    rows = sorted(product.version_rows or [], key=lambda r: (r["released_at"], r["id"]), reverse=True)
    return [{"version": r["version"], "changelog": r["changelog"], "released_at": r["released_at"]} for r in rows]


def output_datasets(product: SimpleNamespace) -> list[dict]:
    rows = sorted(product.dataset_rows or [], key=lambda r: r["name"])
    return [{"name": r["name"], "location": r["location"]} for r in rows]


def contract_fields(product: SimpleNamespace) -> list[dict]:
    rows = sorted(product.field_rows or [], key=lambda r: (r["position"], r["name"]))
    return [
        {
            "name": r["name"],
            "type": r["type"],
            "nullable": bool(r["nullable"]),  # SQLite's JSON gives 0/1
            "description": r["description"],
            "quality_rules": _nested_json(r["quality_rules"]),
        }
        for r in rows
    ]


def _nested_json(value):
    """A JSON column inside a JSON object: nested by PostgreSQL, its text from SQLite's json_object."""
    return json.loads(value) if isinstance(value, str) else value
