"""The home dashboard and the shared layout: navigation, search box, user menu, local assets only."""

import re

from django.contrib.staticfiles import finders

from portal.models import AuditEvent


def test_the_dashboard_has_the_navigation_search_box_and_user_menu(client, engineer):
    client.force_login(engineer)
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    for title in ("Catalog", "Self-service", "On-call", "Planning"):
        assert f">{title}</a>" in html
    assert 'role="search"' in html
    assert "My API tokens" in html and "Sign out" in html
    assert "Your account" in html and "Background jobs" in html


def test_every_script_and_stylesheet_is_served_by_the_portal_itself(client, engineer):
    client.force_login(engineer)
    html = client.get("/").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert any("htmx" in a for a in assets), "HTMX is included"
    for asset in assets:
        assert asset.startswith("/static/"), f"{asset} would need the internet"
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not a static file of the portal"


def test_the_api_docs_load_their_assets_locally(client, engineer):
    client.force_login(engineer)
    html = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()


def test_the_api_docs_need_a_sign_in(client, db):
    assert client.get("/api/docs/").status_code == 302


def test_the_openapi_schema_describes_the_api(client, engineer):
    client.force_login(engineer)
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/me/" in schema["paths"]
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_recent_activity_shows_the_users_own_events(client, engineer):
    client.force_login(engineer)
    client.post("/accounts/tokens/", {"name": "laptop", "expires_in_days": "30"})
    html = client.get("/").content.decode()
    assert "api_token.created" in html
    assert AuditEvent.objects.count() == 1


def test_the_sections_show_an_honest_empty_state(client, engineer):
    client.force_login(engineer)
    for path in ("/selfservice/", "/oncall/", "/planning/"):
        response = client.get(path)
        assert response.status_code == 200
        assert b'class="empty"' in response.content
