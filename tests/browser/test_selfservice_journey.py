"""An engineer requests a Kafka topic in the browser: form, plan, confirm, and watches it succeed."""

import pytest
from django.core.management import call_command

from tests.selfservice.conftest import TansuBroker

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def kafka(tmp_path, settings):
    broker = TansuBroker(tmp_path).start()
    settings.KAFKA_BOOTSTRAP_SERVERS = broker.bootstrap
    yield broker
    broker.stop()


def test_an_engineer_requests_a_topic_and_sees_it_succeed(live_server, page, settings, kafka, celery_worker_process):
    call_command("load_demo", verbosity=0)
    celery_worker_process.start(env={"KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap})
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("lee")
    page.get_by_label("Password").fill(settings.PORTAL_DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")

    page.get_by_role("link", name="Self-service").click()
    page.get_by_role("link", name="Create a Kafka topic").click()
    page.get_by_label("Name").fill("orders.cdc.v1")
    page.get_by_label("Partitions").fill("6")
    page.get_by_role("button", name="Show the plan").click()

    assert page.get_by_role("heading", name="The plan").is_visible()
    assert page.get_by_text("Create the topic orders.cdc.v1 with 6 partitions and replication factor 1").is_visible()
    page.get_by_role("button", name="Confirm and submit").click()

    page.wait_for_url(f"{base}/selfservice/requests/*/")
    # The status refreshes by itself (HTMX polling) until the worker is done.
    page.locator('[data-status="succeeded"]').first.wait_for(timeout=60_000)
    assert page.get_by_test_id("outcome").inner_text().startswith("orders.cdc.v1: 6 partitions")
    assert kafka.topic("orders.cdc.v1")["partitions"] == 6
    page.screenshot(path=str(settings.VAR_DIR / "selfservice-request.png"), full_page=True)
