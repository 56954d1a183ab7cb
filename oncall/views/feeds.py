"""Calendar feeds at secret URLs: no sign-in (calendar clients have none), the token is the key."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_GET

from oncall import ical
from oncall.models import CalendarFeed, Rotation


def _ics(body: bytes, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{name}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_not_required
@require_GET
def rotation_feed(request: HttpRequest, token: str) -> HttpResponse:
    rotation = get_object_or_404(Rotation.objects.select_related("team"), ical_token=token)
    return _ics(ical.rotation_calendar(rotation, now=timezone.now()), rotation.slug)


@login_not_required
@require_GET
def person_feed(request: HttpRequest, token: str) -> HttpResponse:
    feed = get_object_or_404(CalendarFeed.objects.select_related("person"), token=token)
    return _ics(ical.person_calendar(feed.person, now=timezone.now()), f"oncall-{feed.person.slug}")
