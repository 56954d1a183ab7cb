"""The periodic evaluation: time passes without new SLIs (a data product goes late), so statuses are refreshed."""

from celery import shared_task


@shared_task(name="catalog.evaluate_slos", acks_late=True, soft_time_limit=240, time_limit=300)
def evaluate_slos() -> str:
    from catalog.models import Slo
    from catalog.slo.services import slo_evaluation_store  # keeps the task thin and avoids an import cycle

    count = 0
    for slo in Slo.objects.select_related("entity").iterator():
        slo_evaluation_store(slo)
        count += 1
    return f"{count} SLOs evaluated"
