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
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db.models import F, Model
from rest_framework.renderers import JSONRenderer

from catalog import rules
from catalog.api import read_model, serializers
from catalog.choices import EntityKind
from catalog.models import DataProduct, Entity, EntityDocument, Service
from portal import prepared

BATCH = 500  # entities built per query by `refresh`


def _shape() -> str:
    digest = hashlib.sha256(settings.TIME_ZONE.encode())
    for module in (serializers, read_model, rules):
        digest.update(Path(module.__file__).read_bytes())
    digest.update(Path(__file__).read_bytes())
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
        counter = row.document_wanted or 0  # no row yet (an entity written without signals): one is made
        stored.append(EntityDocument(entity_id=row.pk, wanted=counter, built=counter, shape=SHAPE, body=body))
    EntityDocument.objects.bulk_create(
        stored, update_conflicts=True, unique_fields=["entity"], update_fields=["built", "shape", "body"]
    )
    return built


def read(model: type[Model], ids: Sequence[int]) -> list[tuple[str, str]]:
    """(slug, body) of `ids`, in their order: stored ones as they are, the others built."""
    if not ids:
        return []
    found = {pk: (slug, body) for pk, slug, body in prepared.values_list(_current, list(ids))}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        found |= build(model, missing)
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
    """The stored body completed with its links: `links_json` has the placeholder where the slug goes."""
    return f'{body[:-1]},"links":{links_json.replace(placeholder, slug)}}}'


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
            chunk = ids[start : start + BATCH]
            # Padded to a full batch with repeats: one compiled query serves every batch (read_model builds its
            # SQL once per number of ids).
            count += len(build(model, chunk + chunk[:1] * (BATCH - len(chunk))))
    return count
