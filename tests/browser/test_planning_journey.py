"""Shape Up in a real browser: the lead places a bet at the betting table; an engineer moves a scope uphill."""

import pytest
from django.core.management import call_command

from catalog.models import Team
from planning.hill import hill_point
from planning.models import Bet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def test_the_lead_bets_and_an_engineer_moves_a_scope_uphill(live_server, browser, settings):
    call_command("load_demo", verbosity=0)
    password = settings.PORTAL_DEMO_PASSWORD

    # The lead, at the betting table of the next cycle, bets the Feast pitch on MLOps and Ji-ho Park.
    lead = browser.new_context().new_page()
    _sign_in(lead, live_server, "alex", password)
    lead.goto(f"{live_server.url}/planning/cycles/streaming-and-serving/")
    assert lead.get_by_role("heading", name="The betting table").is_visible()
    card = lead.locator("article", has_text="Feast streaming features")
    card.get_by_label("Subteam", exact=True).select_option(str(Team.objects.get(slug="mlops").pk))
    card.get_by_label("Ji-ho Park").check()
    card.get_by_role("button", name="Place bet").click()
    lead.wait_for_url(f"{live_server.url}/planning/cycles/streaming-and-serving/")
    assert lead.get_by_text("Bet placed: Feast streaming features goes to MLOps.").is_visible()
    bets = lead.locator("section", has=lead.get_by_role("heading", name="Bets"))
    assert bets.get_by_role("link", name="Feast streaming features").is_visible()
    assert Bet.objects.get(pitch__slug="feast-streaming-features").people.get().slug == "park"

    # An engineer of BI Services moves a scope of their bet in the current cycle further uphill.
    engineer = browser.new_context().new_page()
    _sign_in(engineer, live_server, "lucas", password)
    bet = Bet.objects.get(pitch__slug="trino-federation")
    engineer.goto(f"{live_server.url}/planning/bets/{bet.pk}/")
    dot = engineer.locator('g.hill-scope[data-scope="Redis cache for hot tables"]')
    assert dot.get_attribute("data-position") == "20"
    before = float(dot.locator("circle").get_attribute("cy"))
    assert before == hill_point(20)[1]
    engineer.get_by_label("Position of Redis cache for hot tables").fill("45")
    engineer.get_by_label("Note on Redis cache for hot tables").fill("Hot tables found in the Superset logs")
    engineer.get_by_role("button", name="Move Redis cache for hot tables").click()
    engineer.wait_for_url(f"{live_server.url}/planning/bets/{bet.pk}/")
    assert engineer.get_by_text("'Redis cache for hot tables' moved to 45 (uphill).").is_visible()
    dot = engineer.locator('g.hill-scope[data-scope="Redis cache for hot tables"]')
    assert dot.get_attribute("data-position") == "45"
    after = float(dot.locator("circle").get_attribute("cy"))
    assert after == hill_point(45)[1] and after < before  # higher up the hill
    assert engineer.get_by_text("Hot tables found in the Superset logs").is_visible()
    lead.context.close()
    engineer.context.close()
