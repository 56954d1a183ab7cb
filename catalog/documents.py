"""Which stored API documents a change makes out of date (the documents themselves: catalog/api/documents.py).

An entity's document shows its own fields, its domain's and system's slugs, its RACI owners and a data product's
consumers (their names, emails and chat), its dependencies both ways (by slug), whether it has a runbook, and a
data product's versions, datasets and contract. Every save or delete of one of those rows moves the `wanted`
counter of the documents that show it, in the writer's transaction (signals below); the services' bulk inserts,
which send no signals, call `out_of_date()` themselves, and the bulk importer and generator `all_out_of_date()`.
Moving a counter too often only costs a rebuild; missing one would serve an old answer, which the tests of
tests/catalog/test_documents.py look for after every kind of write.
"""

from collections.abc import Iterable

from django.db.models import F, QuerySet
from django.db.models.signals import post_delete, post_save, pre_delete

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


def all_out_of_date() -> None:
    """After a bulk write that sends no signals (an import, the generator)."""
    EntityDocument.objects.update(wanted=F("wanted") + 1)


def _neighbours(entity_id: int) -> list[int]:
    """The entities whose documents name this one: what it depends on and what depends on it."""
    links = Dependency.objects.filter(source_id=entity_id).values_list("target_id", flat=True)
    back = Dependency.objects.filter(target_id=entity_id).values_list("source_id", flat=True)
    return [*links, *back]


def _on_entity_save(sender, instance: Entity, created: bool, raw: bool = False, **kwargs) -> None:
    if created:
        EntityDocument.objects.bulk_create([EntityDocument(entity_id=instance.pk)], ignore_conflicts=True)
    # Its own document, and those naming its slug (which may just have changed).
    out_of_date([instance.pk, *_neighbours(instance.pk)])


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
    field = "team" if isinstance(instance, Team) else "person"
    out_of_date(Ownership.objects.filter(**{field: instance}).values("entity_id"))
    out_of_date(DataProductConsumer.objects.filter(**{field: instance}).values("data_product_id"))


def _on_grouping_change(sender, instance: Domain | System, **kwargs) -> None:
    """Before a delete too: the entities lose the domain or system by an UPDATE, which sends no signal."""
    field = "domain" if isinstance(instance, Domain) else "system"
    out_of_date(Entity.objects.filter(**{field: instance}).values("pk"))


def connect() -> None:
    receivers = [
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
    names = {post_save: "save", post_delete: "delete", pre_delete: "pre-delete"}
    for receiver, senders, signals in receivers:
        for sender in senders:
            for signal in signals:
                uid = f"catalog-documents-{names[signal]}-{sender.__name__}"
                signal.connect(receiver, sender=sender, dispatch_uid=uid)
