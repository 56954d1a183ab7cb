"""Celery task publishing one data product to DataHub, retried with backoff when DataHub is unavailable."""

from celery import shared_task


@shared_task(
    bind=True,
    name="selfservice.publish_to_datahub",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,  # counted against DATAHUB_MAX_RETRIES below
    soft_time_limit=60,
    time_limit=90,
)
def publish_to_datahub(self, entity_id: int) -> str:
    from celery.utils.time import get_exponential_backoff_interval

    from selfservice.datahub import services

    limit = int(services.setting("DATAHUB_MAX_RETRIES", 5))
    final = self.request.retries >= limit
    try:
        publication = services.data_product_publish(entity_id=entity_id, final_attempt=final)
    except services.PublishFailed as exc:
        countdown = get_exponential_backoff_interval(
            factor=int(services.setting("DATAHUB_RETRY_BACKOFF", 2)),
            retries=self.request.retries,
            maximum=300,
            full_jitter=True,
        )
        raise self.retry(exc=exc, countdown=max(countdown, 1)) from exc
    if publication is None:
        return f"entity {entity_id}: not a data product, nothing to publish"
    return f"entity {entity_id}: {publication.status}"
