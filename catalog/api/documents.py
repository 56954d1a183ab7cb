"""The stored API documents of services and data products (catalog/models/documents.py): read, built, completed.

A list or a detail reads the stored JSON of its entities (one prepared query by id or slug) rather than building
it from owners, dependencies and a data product's rows (JSON columns built by PostgreSQL and a serializer: most of
a list's time, docs/benchmarks.md). A document out of date, or built by other code, is built here from
`read_model` and the read serializer and stored, with the counter read in the same query as its data, so a change
that commits meanwhile leaves it out of date rather than wrong. The links depend on the request's host and are
added per response, as JSON text (`with_links`).

`SHAPE` is a hash of the code that writes a document and of the time zone it writes times in: after an upgrade
that changes them, every document is built again on its first read (`manage.py refresh_documents` does all at once).
"""

import hashlib
import json
import logging
import sys
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

import django
import rest_framework
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Model
from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings

from catalog import rules
from catalog.api import read_model, serializers
from catalog.choices import EntityKind
from catalog.models import DataProduct, Entity, EntityDocument, Service
from catalog.models import dataproducts as dataproduct_models
from portal import dbfunctions, prepared

BATCH = 500  # entities built per query by `refresh`
LOCK_WAIT = "100ms"  # how long a read waits to keep a document whose row a writer holds
logger = logging.getLogger(__name__)


def _shape() -> str:
    """What a stored body depends on besides the data: the code that writes it (these modules, Django's and DRF's
    versions) and the settings it is written with (time zone, DRF's JSON settings)."""
    json_settings = (api_settings.COMPACT_JSON, api_settings.UNICODE_JSON, api_settings.STRICT_JSON)
    digest = hashlib.sha256(repr((settings.TIME_ZONE, json_settings, django.VERSION, rest_framework.VERSION)).encode())
    for module in (serializers, read_model, rules, dataproduct_models, dbfunctions, sys.modules[__name__]):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:16]


SHAPE = _shape()


def _serializer(model: type[Model]) -> serializers.EntitySerializer:
    return serializers.DataProductSerializer() if model is DataProduct else serializers.ServiceSerializer()


def _current(ids: Sequence[int]):
    return EntityDocument.objects.filter(entity_id__in=ids, built=F("wanted"), shape=SHAPE).values_list(
        "entity_id", "entity__slug", "body"
    )


@cache
def _by_slug(model: type[Model]):
    def query(slugs: Sequence[str]):
        return (
            read_model.listed(model)
            .filter(slug__in=slugs)
            .values_list("pk", "slug", "document__body", "document__built", "document__wanted", "document__shape")
        )

    return query


def build(model: type[Model], ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """{id: (slug, body)} of `ids`, built now from the entities' rows and stored."""
    serializer, renderer = _serializer(model), JSONRenderer()
    built, stored = {}, []
    for row in read_model.rows_in_order(model, ids):
        if row.pk in built:  # an id asked for twice
            continue
        body = renderer.render(serializer.document(row)).decode()
        built[row.pk] = (row.slug, body)
        if row.document_wanted is None:
            # No row yet (an entity written without signals): nothing could move its counter meanwhile, so the row
            # made now starts out of date, and the next read builds it again with a counter that writers move.
            wanted, built_at = 1, 0
        else:
            wanted = built_at = row.document_wanted
        stored.append(EntityDocument(entity_id=row.pk, wanted=wanted, built=built_at, shape=SHAPE, body=body))
    _store(sorted(stored, key=lambda document: document.entity_id))  # in id order, as writers lock them
    return built


def _store(stored: list[EntityDocument]) -> None:
    """Keep the bodies for the next reads: one upsert per row, sent together (bulk_create's arrays of JSON text
    took psycopg 4x longer to quote). A read never waits for a writer's transaction: on PostgreSQL it gives up
    after LOCK_WAIT, which also keeps it out of deadlocks with writers. Not keeping them only costs a rebuild
    later, so it does not fail the read."""
    table = EntityDocument._meta.db_table
    sql = (
        f"INSERT INTO {table} (entity_id, wanted, built, shape, body) VALUES (%s, %s, %s, %s, %s) "  # noqa: S608
        "ON CONFLICT (entity_id) DO UPDATE SET built = EXCLUDED.built, shape = EXCLUDED.shape, body = EXCLUDED.body "
        f"WHERE {table}.wanted = EXCLUDED.built"  # never over a newer body with one already out of date
    )
    rows = [(d.entity_id, d.wanted, d.built, d.shape, d.body) for d in stored]
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'")
            cursor.executemany(sql, rows)
    except DatabaseError as error:
        logger.info("Stored API documents not kept (%s); they are built again on their next read", error)


def _padded(ids: Sequence[int], size: int | None = None) -> list[int]:
    """`ids` with the first repeated up to `size` (by default the next power of two): the same rows, from one of a
    handful of query shapes, each prepared once per connection, rather than one per page length (an owner
    filter's page is as long as the team's list)."""
    size = size or 1 << (len(ids) - 1).bit_length()
    return [*ids, *[ids[0]] * (size - len(ids))]


def read(model: type[Model], ids: Sequence[int]) -> list[tuple[str, str]]:
    """(slug, body) of `ids`, in their order: stored ones as they are, the others built."""
    if not ids:
        return []
    found = {pk: (slug, body) for pk, slug, body in prepared.values_list(_current, _padded(ids))}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        found |= build(model, _padded(missing))
    return [found[pk] for pk in ids if pk in found]


def read_by_slug(model: type[Model], slug: str) -> tuple[str, str] | None:
    """(slug, body) of the `model` entity with this slug, or None."""
    rows = prepared.values_list(_by_slug(model), [slug])
    if not rows:
        return None
    pk, slug, body, built, wanted, shape = rows[0]
    if body is not None and built == wanted and shape == SHAPE:
        return slug, body
    return build(model, [pk]).get(pk)


def with_links(body: str, slug: str, links_json: str, placeholder: str = serializers.LINK_SLUG) -> str:
    """The stored body completed with its links: `links_json` has the placeholder where the slug goes (escaped as
    JSON, though a slug has nothing to escape)."""
    return f'{body[:-1]},"links":{links_json.replace(placeholder, json.dumps(slug)[1:-1])}}}'


def refresh(entity_ids: Iterable[int] | None = None) -> int:
    """Build the documents of `entity_ids` (all entities by default) in batches; how many were built."""
    if entity_ids is None:
        kinds = list(Entity.objects.order_by("pk").values_list("pk", "kind"))
    else:
        wanted, kinds = sorted(set(entity_ids)), []
        for start in range(0, len(wanted), BATCH):
            kinds += Entity.objects.filter(pk__in=wanted[start : start + BATCH]).values_list("pk", "kind")
    by_model = {Service: [], DataProduct: []}
    for pk, kind in kinds:
        by_model[DataProduct if kind == EntityKind.DATA_PRODUCT else Service].append(pk)
    count = 0
    for model, ids in by_model.items():
        for start in range(0, len(ids), BATCH):
            # Every batch full: one compiled query serves them all (read_model builds its SQL per number of ids).
            count += len(build(model, _padded(ids[start : start + BATCH], BATCH)))
    return count


def refresh_after_load(entity_ids: Iterable[int]) -> None:
    """`refresh` after a bulk load has committed: if it fails, the load stands and each document is built on its
    first read instead."""
    try:
        refresh(entity_ids)
    except DatabaseError:
        logger.warning("Stored API documents not built after a bulk load; each is built on its first read.", exc_info=1)
