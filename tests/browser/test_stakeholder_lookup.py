"""A business stakeholder looks a data product up from the home page's search box."""

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def test_a_stakeholder_finds_who_is_accountable_for_revenue(live_server, page, settings):
    call_command("load_demo", verbosity=0)
    sign_in(page, live_server.url, "rachel", settings.PORTAL_DEMO_PASSWORD)

    page.get_by_role("searchbox", name="Search teams, people, services and data products").fill("revenue")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/catalog/search/?q=revenue")
    page.get_by_role("link", name="fct_daily_revenue").first.click()

    page.wait_for_url(f"{live_server.url}/catalog/data-products/fct-daily-revenue/overview/")
    assert page.get_by_role("heading", name="fct_daily_revenue").is_visible()
    assert page.get_by_test_id("accountable").inner_text() == "Lucas Silva"
    contact = page.get_by_test_id("contact-email")
    assert contact.inner_text() == "lucas@example.com"
    assert contact.get_attribute("href") == "mailto:lucas@example.com"
    assert page.get_by_text("Refreshed before 7 AM daily").is_visible()
    assert page.get_by_text("Tier 1: business-critical").is_visible()
    page.screenshot(path=str(settings.VAR_DIR / "stakeholder-lookup.png"), full_page=True)
