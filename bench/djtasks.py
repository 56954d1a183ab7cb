"""Steps of the benchmark that run inside Django (bench settings, the bench database): `python -m bench.djtasks`."""

import json
import sys

import django


def credentials() -> dict:
    from django.contrib.auth.models import Group, User
    from django.contrib.sessions.backends.db import SessionStore

    from portal import services

    user, _ = User.objects.get_or_create(username="bench-lead")
    user.groups.add(Group.objects.get_or_create(name="lead")[0])
    _token, secret = services.api_token_create(actor=None, user=user, name="bench", expires_in_days=None)
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    return {"token": secret, "session": session.session_key}


def queries(paths: list[str]) -> dict:
    """SQL queries per request of each path, through Django's test client as the bench lead."""
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.CATALOG_CACHE_SECONDS = 0  # count what computing the answer costs, as the bars are measured
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="bench-lead"))
    counts = {}
    for path in paths:
        client.get(path)  # warm caches (content types, ...) as a running server has them
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        counts[path] = len(ctx.captured_queries) if response.status_code == 200 else f"HTTP {response.status_code}"
    return counts


def samples() -> dict:
    """Slugs the own-bars section addresses: a large team, a data product, a service."""
    from django.db.models import Count

    from catalog.models import DataProduct, Service, Team

    team = Team.objects.annotate(n=Count("ownerships")).order_by("-n").first()
    return {
        "team": team.slug,
        "team_rows": team.n,
        "products": list(DataProduct.objects.order_by("id").values_list("slug", flat=True)[:2000]),
        "services": list(Service.objects.order_by("id").values_list("slug", flat=True)[:2000]),
        "teams": list(Team.objects.values_list("slug", flat=True)),
    }


if __name__ == "__main__":
    django.setup()
    command, args = sys.argv[1], sys.argv[2:]
    result = {"credentials": lambda: credentials(), "queries": lambda: queries(args), "samples": lambda: samples()}[
        command
    ]()
    print(json.dumps(result))
