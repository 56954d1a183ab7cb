"""Publishing catalog data products to DataHub and recording each one's status; failures never reach the catalog."""

import logging
import os

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.choices import EntityKind
from catalog.models import DataProduct, Entity
from portal import audit
from selfservice.datahub.choices import PublicationStatus
from selfservice.models import DataHubPublication

logger = logging.getLogger(__name__)


class PublishFailed(Exception):
    """DataHub refused or could not be reached; `transient` says whether a later attempt may succeed."""

    def __init__(self, message: str, *, transient: bool):
        super().__init__(message)
        self.transient = transient


def setting(name: str, default=""):
    """A DataHub setting: portal/settings.py's, else the environment's (for deployments before it declares them)."""
    return getattr(settings, name, os.environ.get(name, default))


def is_configured() -> bool:
    return bool(setting("DATAHUB_GMS_URL"))


def emitter():
    from datahub.emitter.rest_emitter import DatahubRestEmitter

    # One HTTP retry inside the client at most: Celery's task retries with backoff and counts the attempts.
    return DatahubRestEmitter(
        gms_server=setting("DATAHUB_GMS_URL"),
        token=setting("DATAHUB_TOKEN") or None,
        connect_timeout_sec=float(setting("DATAHUB_TIMEOUT_SECONDS", 10)),
        read_timeout_sec=float(setting("DATAHUB_TIMEOUT_SECONDS", 10)),
        retry_max_times=int(setting("DATAHUB_HTTP_RETRIES", 0)),
    )


def _classify(exc: Exception) -> PublishFailed:
    import requests
    from datahub.configuration.common import OperationalError

    cause = exc.__cause__ or exc.__context__
    unreachable = (requests.ConnectionError, requests.Timeout)
    if isinstance(exc, unreachable) or isinstance(cause, unreachable):
        return PublishFailed(f"DataHub is unreachable ({type(cause or exc).__name__})", transient=True)
    if isinstance(exc, OperationalError):
        info = exc.info if isinstance(getattr(exc, "info", None), dict) else {}
        status = info.get("status")
        message = info.get("message") or str(exc)
        if status in (401, 403):
            return PublishFailed(
                f"DataHub refused the token ({status}): {message}; check DATAHUB_TOKEN.", transient=False
            )
        transient = status is None or status == 429 or int(status) >= 500
        return PublishFailed(f"DataHub answered {status or 'an error'}: {message}", transient=transient)
    return PublishFailed(f"{type(exc).__name__}: {exc}", transient=False)


def publishable(entity_id: int) -> DataProduct | None:
    return (
        DataProduct.objects.select_related("domain")
        .prefetch_related("ownerships__person__user", "ownerships__team")
        .filter(pk=entity_id)
        .first()
    )


def publication_mark_pending(*, entity_id: int) -> None:
    DataHubPublication.objects.update_or_create(entity_id=entity_id, defaults={"status": PublicationStatus.PENDING})


def publication_record(entity_id: int, *, status: str, urn: str = "", error: str = "") -> DataHubPublication:
    now = timezone.now()
    defaults = {"status": status, "last_error": error, "attempted_at": now}
    if urn:
        defaults["urn"] = urn
    if status == PublicationStatus.PUBLISHED:
        defaults["published_at"] = now
    publication, _ = DataHubPublication.objects.update_or_create(entity_id=entity_id, defaults=defaults)
    return publication


def data_product_publish(*, entity_id: int, final_attempt: bool = True) -> DataHubPublication | None:
    """Send one data product's aspects (with its domain, owners and links) to DataHub as upserts.

    A failure is recorded on the entity; a transient one raises PublishFailed unless this is the final attempt."""
    from selfservice.datahub import mapping

    product = publishable(entity_id)
    if product is None:
        return None  # deleted meanwhile, or not a data product
    urn = mapping.data_product_urn(product)
    try:
        with emitter() as client:
            for mcp in mapping.data_product_mcps(product):
                client.emit_mcp(mcp)
    except Exception as exc:
        failure = _classify(exc)
        publication = publication_record(entity_id, status=PublicationStatus.FAILED, urn=urn, error=str(failure))
        logger.warning("DataHub publication of %s failed: %s", urn, failure)
        if failure.transient and not final_attempt:
            raise failure from exc
        return publication
    with transaction.atomic():
        publication = publication_record(entity_id, status=PublicationStatus.PUBLISHED, urn=urn)
        audit.record(actor=None, verb="datahub.published", target=product, message=f"Published to DataHub as {urn}")
    return publication


def data_products_to_publish() -> list[int]:
    return list(Entity.objects.filter(kind=EntityKind.DATA_PRODUCT).order_by("pk").values_list("pk", flat=True))


def publish_all_enqueue(*, actor) -> int:
    """Queue every data product for publication (on demand): each is its own task, so one failure stops none."""
    from selfservice.datahub.tasks import publish_to_datahub

    ids = data_products_to_publish()
    with transaction.atomic():
        for entity_id in ids:
            publication_mark_pending(entity_id=entity_id)
        audit.record(actor=actor, verb="datahub.publish_all", message=f"{len(ids)} data product(s) queued for DataHub")
        for entity_id in ids:
            transaction.on_commit(lambda pk=entity_id: publish_to_datahub.delay(pk))
    return len(ids)
