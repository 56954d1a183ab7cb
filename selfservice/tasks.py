"""Celery tasks of self-service: thin interfaces to the services, taking a request id only."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings

from selfservice import tasks_gitlab  # noqa: F401 (autodiscovery loads tasks.py only; this registers its tasks)
from selfservice.connectors.base import TransientError


@shared_task(
    bind=True,
    name="selfservice.execute_request",
    acks_late=True,  # a worker killed mid-task leaves the message to be delivered again
    ignore_result=True,  # the request row is the result; its status is what everyone reads
    reject_on_worker_lost=True,
    max_retries=None,  # counted against SELFSERVICE_MAX_RETRIES below, so the limit follows settings
    soft_time_limit=120,
    time_limit=180,
)
def execute_request(self, request_id: int) -> str:
    from selfservice import services

    try:
        return services.request_execute(request_id=request_id, task_id=self.request.id)
    except (TransientError, SoftTimeLimitExceeded) as exc:
        error = exc if isinstance(exc, TransientError) else TransientError("the attempt timed out")
        attempt = self.request.retries + 1
        if self.request.retries >= settings.SELFSERVICE_MAX_RETRIES:
            services.request_fail(request_id=request_id, message=f"Gave up after {attempt} attempts: {error}")
            return f"request {request_id}: failed after {attempt} attempts"
        countdown = get_exponential_backoff_interval(
            factor=settings.SELFSERVICE_RETRY_BACKOFF,
            retries=self.request.retries,
            maximum=settings.SELFSERVICE_RETRY_BACKOFF_MAX,
            full_jitter=True,
        )
        countdown = max(countdown, 1)
        services.request_wait_for_retry(request_id=request_id, error=error, countdown=countdown, attempt=attempt)
        raise self.retry(exc=error, countdown=countdown) from exc
    except Exception as exc:
        # A bug, not the remote system: fail the request visibly rather than leave it running forever.
        services.request_fail(request_id=request_id, message=f"Internal error: {type(exc).__name__}: {exc}")
        raise


@shared_task(name="selfservice.sweep_stuck_requests", ignore_result=True)
def sweep_stuck_requests() -> str:
    from selfservice import services

    swept = services.sweep_stuck()
    return f"re-enqueued {len(swept)} request(s)"
