"""Template context every page needs: navigation, the search target, the user's roles."""

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from portal.roles import user_roles

NAVIGATION = [
    ("Catalog", "catalog:index"),
    ("Self-service", "selfservice:index"),
    ("On-call", "oncall:index"),
    ("Planning", "planning:index"),
]


def _search_url() -> str:
    try:
        return reverse("catalog:search")
    except NoReverseMatch:  # the catalog's search arrives with its own issue
        return reverse("catalog:index")


def portal(request: HttpRequest) -> dict:
    items = []
    for title, name in NAVIGATION:
        url = reverse(name)
        items.append({"title": title, "url": url, "active": request.path.startswith(url)})
    return {
        "portal_name": getattr(settings, "PORTAL_NAME", "Data Infrastructure Portal"),
        "nav_items": items,
        "search_url": _search_url(),
        "user_roles": sorted(user_roles(request.user)) if hasattr(request, "user") else [],
        "oidc_enabled": settings.OIDC_ENABLED,
    }
