"""Which stored API documents a change makes out of date (the documents themselves: catalog/api/documents.py).

An entity's document shows its own fields, its domain's and system's slugs, its RACI owners and a data product's
consumers (their names, emails and chat), its dependencies both ways (by slug), whether it has a runbook, and a
data product's versions, datasets and contract. Every save or delete of one of those rows moves the `wanted`
counter of the documents that show it, in the writer's transaction (signals below); the services' bulk inserts,
which send no signals, call `out_of_date()` themselves, and the Backstage importer (COPY, raw deletes) calls
`add_missing_rows()`, `out_of_date()` and `showing()` for what it wrote. Moving a counter too often only costs a
rebuild; missing one would serve an old answer, which tests/catalog/test_documents.py looks for after every kind
of write.

A counter is moved by an UPDATE, so every entity must have its row before anyone changes it: a save makes it
(`_on_entity_save`), the migration made them for existing entities, and bulk loaders call `add_missing_rows()`.
"""

from collections.abc import Iterable

from django.db import connection
from django.db.models import F, QuerySet
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from catalog.models import (
    ContractField,
    DataProduct,
    DataProductConsumer,
    DataProductVersion,
    Dependency,
    Domain,
    Entity,
    EntityDocument,
    OutputDataset,
    Ownership,
    Person,
    Runbook,
    Service,
    System,
    Team,
)


def out_of_date(entity_ids: Iterable[int] | QuerySet) -> None:
    """The documents of `entity_ids` (ids, or a queryset of one id column) must be built again."""
    if not isinstance(entity_ids, QuerySet):
        entity_ids = sorted(set(entity_ids))
        if not entity_ids:
            return
    EntityDocument.objects.filter(entity_id__in=entity_ids).update(wanted=F("wanted") + 1)


def showing(*, teams: Iterable[int] = (), people: Iterable[int] = (), domains=(), systems=()) -> None:
    """The documents that show these teams or people (as owners or consumers), domains or systems (by id) must be
    built again."""
    for field, ids in (("team_id", list(teams)), ("person_id", list(people))):
        if ids:
            out_of_date(Ownership.objects.filter(**{f"{field}__in": ids}).values("entity_id"))
            out_of_date(DataProductConsumer.objects.filter(**{f"{field}__in": ids}).values("data_product_id"))
    for field, ids in (("domain_id", list(domains)), ("system_id", list(systems))):
        if ids:
            out_of_date(Entity.objects.filter(**{f"{field}__in": ids}).values("pk"))


def neighbours(entity_ids: Iterable[int]) -> list[int]:
    """The entities whose documents name these by slug: what they depend on and what depends on them."""
    ids = list(entity_ids)
    links = Dependency.objects.filter(source_id__in=ids).values_list("target_id", flat=True)
    back = Dependency.objects.filter(target_id__in=ids).values_list("source_id", flat=True)
    return [*links, *back]


def add_missing_rows() -> None:
    """A row (out of date) for every entity without one: after a bulk load that sends no signals."""
    table, entities = EntityDocument._meta.db_table, Entity._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (entity_id, wanted, built, shape, body) "  # noqa: S608 (table names only)
            f"SELECT e.id, 1, 0, '', '' FROM {entities} e "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} d WHERE d.entity_id = e.id)"
        )


def _remember_slug(sender, instance: Entity, raw: bool = False, **kwargs) -> None:
    if instance.pk is not None and not raw:
        instance._slug_before_save = Entity.objects.filter(pk=instance.pk).values_list("slug", flat=True).first()


def _on_entity_save(sender, instance: Entity, created: bool, raw: bool = False, **kwargs) -> None:
    if created:
        EntityDocument.objects.bulk_create([EntityDocument(entity_id=instance.pk)], ignore_conflicts=True)
        return  # a new row is out of date already
    renamed = getattr(instance, "_slug_before_save", instance.slug) != instance.slug
    # Its own document, and, when its slug changed, those that name it.
    out_of_date([instance.pk, *(neighbours([instance.pk]) if renamed else ())])


def _on_dependency_change(sender, instance: Dependency, **kwargs) -> None:
    out_of_date([instance.source_id, instance.target_id])


def _on_entity_row_change(sender, instance, **kwargs) -> None:
    """Ownership and runbook rows, which belong to one entity."""
    out_of_date([instance.entity_id])


def _on_product_row_change(sender, instance, **kwargs) -> None:
    """Consumers, versions, datasets and contract fields, which belong to one data product."""
    out_of_date([instance.data_product_id])


def _on_party_save(sender, instance: Team | Person, **kwargs) -> None:
    """A team or a person is shown by name, email and chat wherever it owns or consumes."""
    showing(**{"teams" if isinstance(instance, Team) else "people": [instance.pk]})


def _on_grouping_change(sender, instance: Domain | System, **kwargs) -> None:
    """Before a delete too: the entities lose the domain or system by an UPDATE, which sends no signal."""
    showing(**{"domains" if isinstance(instance, Domain) else "systems": [instance.pk]})


def connect() -> None:
    receivers = [
        (_remember_slug, [Entity, Service, DataProduct], [pre_save]),
        (_on_entity_save, [Entity, Service, DataProduct], [post_save]),
        (_on_dependency_change, [Dependency], [post_save, post_delete]),
        (_on_entity_row_change, [Ownership, Runbook], [post_save, post_delete]),
        (
            _on_product_row_change,
            [DataProductConsumer, DataProductVersion, OutputDataset, ContractField],
            [post_save, post_delete],
        ),
        (_on_party_save, [Team, Person], [post_save]),
        (_on_grouping_change, [Domain, System], [post_save, pre_delete]),
    ]
    names = {pre_save: "pre-save", post_save: "save", post_delete: "delete", pre_delete: "pre-delete"}
    for receiver, senders, signals in receivers:
        for sender in senders:
            for signal in signals:
                uid = f"catalog-documents-{names[signal]}-{sender.__name__}"
                signal.connect(receiver, sender=sender, dispatch_uid=uid)
