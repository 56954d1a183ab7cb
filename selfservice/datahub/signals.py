"""On a catalog change, queue the data product's publication to DataHub after the commit; never fail the edit."""

import logging

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from catalog.models import DataProduct, Entity, Ownership
from selfservice.datahub import tasks  # noqa: F401 (imported at app start, so every worker knows the task)

logger = logging.getLogger(__name__)


def _enqueue(entity_id: int) -> None:
    from selfservice.datahub import services
    from selfservice.datahub.tasks import publish_to_datahub

    try:
        services.publication_mark_pending(entity_id=entity_id)
        publish_to_datahub.delay(entity_id)
    except Exception as exc:  # a broker or DataHub problem must never break a catalog edit; the status shows it
        logger.warning("DataHub publication of entity %s not queued: %s", entity_id, exc)
        try:
            services.publication_record(entity_id, status="failed", error=f"Not queued: {exc}")
        except Exception:  # the entity may be gone by now
            logger.exception("recording the DataHub status of entity %s failed", entity_id)


def _changed(entity_id: int | None, kind: str | None) -> None:
    from selfservice.datahub.services import is_configured

    if entity_id is None or kind != "data_product" or not is_configured():
        return
    connection = transaction.get_connection()
    # One publication per entity per transaction, however many rows changed. Looking in the connection's
    # on-commit list (rather than keeping a set) forgets the entity when the transaction rolls back.
    if any(getattr(item[1], "datahub_entity_id", None) == entity_id for item in connection.run_on_commit):
        return

    def send():
        _enqueue(entity_id)

    send.datahub_entity_id = entity_id
    transaction.on_commit(send)


@receiver(post_save, sender=DataProduct, dispatch_uid="datahub-dataproduct-saved")
@receiver(post_save, sender=Entity, dispatch_uid="datahub-entity-saved")
def entity_saved(sender, instance, **kwargs):
    _changed(instance.pk, instance.kind)


@receiver(post_save, sender=Ownership, dispatch_uid="datahub-ownership-saved")
@receiver(post_delete, sender=Ownership, dispatch_uid="datahub-ownership-deleted")
def ownership_changed(sender, instance, **kwargs):
    kind = Entity.objects.filter(pk=instance.entity_id).values_list("kind", flat=True).first()
    _changed(instance.entity_id, kind)
