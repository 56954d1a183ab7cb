"""The home dashboard: apps register widgets here; each renders its own template or hides itself."""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

__all__ = ["Widget", "register", "register_core_widgets", "render_widgets"]


@dataclass(frozen=True)
class Widget:
    key: str
    title: str
    template: str
    # Returns the template context, or None to leave the widget out for this user.
    context: Callable[[HttpRequest], dict | None]
    order: int = 100


_WIDGETS: dict[str, Widget] = {}


def register(widget: Widget) -> None:
    _WIDGETS[widget.key] = widget  # by key, so a reloaded app replaces rather than duplicates


def render_widgets(request: HttpRequest) -> list[dict]:
    rendered = []
    for widget in sorted(_WIDGETS.values(), key=lambda w: (w.order, w.key)):
        context = widget.context(request)
        if context is None:
            continue
        html = render_to_string(widget.template, {"widget": widget, **context}, request=request)
        rendered.append({"widget": widget, "html": html})
    return rendered


def _account_context(request: HttpRequest) -> dict:
    from portal.models import ApiToken
    from portal.roles import user_roles

    return {
        "roles": sorted(user_roles(request.user)),
        "token_count": ApiToken.objects.filter(user=request.user).count(),
    }


def _status_context(request: HttpRequest) -> dict:
    from portal.models import Heartbeat
    from portal.tasks import BEAT_HEARTBEAT

    beat = Heartbeat.objects.filter(name=BEAT_HEARTBEAT).first()
    age = (timezone.now() - beat.seen_at).total_seconds() if beat else None
    return {"beat": beat, "beat_fresh": age is not None and age < 180}


def _activity_context(request: HttpRequest) -> dict:
    from portal.selectors import audit_event_list_visible

    return {"events": audit_event_list_visible(user=request.user)[:8]}


def register_core_widgets() -> None:
    register(Widget("account", "Your account", "portal/widgets/account.html", _account_context, order=10))
    register(Widget("status", "Background jobs", "portal/widgets/status.html", _status_context, order=90))
    register(Widget("activity", "Recent activity", "portal/widgets/activity.html", _activity_context, order=95))
