"""GitLab's webhook for merge request events: checks the secret token, then records the MR's state."""

import hmac
import json
import logging

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from selfservice import services_gitlab

logger = logging.getLogger(__name__)

# GitLab's event payload (https://docs.gitlab.com/user/project/integrations/webhook_events/#merge-request-events):
# object_kind "merge_request", project.path_with_namespace, object_attributes.{iid, state, detailed_merge_status}.


@csrf_exempt  # GitLab signs with X-Gitlab-Token, not a session
@require_POST
def gitlab_webhook(request: HttpRequest) -> JsonResponse:
    secret = getattr(settings, "GITLAB_WEBHOOK_SECRET", "")
    if not secret:
        return JsonResponse({"detail": "The GitLab webhook is not configured (GITLAB_WEBHOOK_SECRET)."}, status=403)
    given = request.headers.get("X-Gitlab-Token", "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return JsonResponse({"detail": "Invalid X-Gitlab-Token."}, status=401)
    try:
        event = json.loads(request.body)
    except ValueError:
        return JsonResponse({"detail": "The body is not JSON."}, status=400)
    if not isinstance(event, dict) or event.get("object_kind") != "merge_request":
        # Acknowledged: GitLab disables a hook that keeps failing, and other events are simply not ours.
        return JsonResponse({"detail": "Ignored: not a merge request event.", "updated": False})
    attributes = event.get("object_attributes") or {}
    project = (event.get("project") or {}).get("path_with_namespace")
    iid, state = attributes.get("iid"), attributes.get("state")
    if not project or not isinstance(iid, int) or not isinstance(state, str):
        return JsonResponse(
            {"detail": "Missing project.path_with_namespace, object_attributes.iid or state."}, status=400
        )
    found = services_gitlab.request_for_merge_request(project=project, iid=iid)
    if found is None:
        return JsonResponse({"detail": "No portal request opened this merge request.", "updated": False})
    updated = services_gitlab.merge_request_state_record(
        request_id=found.pk,
        state=state,
        detailed_merge_status=str(attributes.get("detailed_merge_status") or ""),
        source="GitLab webhook",
    )
    return JsonResponse({"detail": f"Request #{found.pk}: merge request {state}.", "updated": updated})


# Mounted under /api/v1/selfservice/gitlab/ (exempt from sign-in; the secret token is the authentication).
urlpatterns = [path("webhook/", gitlab_webhook, name="gitlab-webhook")]
