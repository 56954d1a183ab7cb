"""Celery task of the gitlab-mr action: follow the state of the merge requests it opened."""

from celery import shared_task


@shared_task(name="selfservice.follow_merge_requests", ignore_result=True, soft_time_limit=240, time_limit=300)
def follow_merge_requests() -> str:
    from selfservice import services_gitlab

    counts = services_gitlab.merge_requests_follow()
    return f"checked {counts['checked']} merge request(s), {counts['changed']} changed, {counts['errors']} error(s)"
