"""A person signs in with a demo login in a real browser and sees the dashboard."""

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_demo_engineer_signs_in_and_sees_the_dashboard(live_server, page, settings):
    call_command("load_demo", verbosity=0)
    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("kim")
    page.get_by_label("Password").fill(settings.PORTAL_DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    assert page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalog").is_visible()
    assert page.get_by_text("Welcome, Min-jun Kim").is_visible()
    # HTMX loaded from the portal itself, without the internet.
    assert page.evaluate("typeof window.htmx") == "object"


def test_a_wrong_password_is_shown_in_the_browser(live_server, page):
    call_command("load_demo", verbosity=0)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("kim")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text().startswith("Please enter a correct username and password")
