"""The project package's own dashboard panels: the account, background jobs, recent activity."""

from django.http import HttpRequest
from django.utils import timezone

from portal import slots


def _account(request: HttpRequest, _obj) -> dict:
    from portal.models import ApiToken
    from portal.roles import user_roles

    return {
        "roles": sorted(user_roles(request.user)),
        "token_count": ApiToken.objects.filter(user=request.user).count(),
    }


def _status(request: HttpRequest, _obj) -> dict:
    from portal.models import Heartbeat
    from portal.tasks import BEAT_HEARTBEAT

    beat = Heartbeat.objects.filter(name=BEAT_HEARTBEAT).first()
    age = (timezone.now() - beat.seen_at).total_seconds() if beat else None
    return {"beat": beat, "beat_fresh": age is not None and age < 180}


def _activity(request: HttpRequest, _obj) -> dict:
    from portal.selectors import audit_event_list_visible

    return {"events": audit_event_list_visible(user=request.user)[:8]}


def register() -> None:
    slots.register(slots.HOME, slots.Panel("account", "Your account", "portal/widgets/account.html", _account, 10))
    slots.register(slots.HOME, slots.Panel("status", "Background jobs", "portal/widgets/status.html", _status, 90))
    slots.register(
        slots.HOME, slots.Panel("activity", "Recent activity", "portal/widgets/activity.html", _activity, 95)
    )
