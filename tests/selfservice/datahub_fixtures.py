"""Fixtures of the DataHub publication tests: the fake GMS and a data product with a domain and owners."""

import pytest

from catalog import services as catalog_services
from catalog.rules import OwnerSpec
from tests.fakes.datahub import FakeDataHub


@pytest.fixture(name="fake_datahub")
def fake_datahub_fixture(settings):
    server = FakeDataHub().start()
    settings.DATAHUB_GMS_URL = server.url
    settings.DATAHUB_TOKEN = server.token
    settings.DATAHUB_HTTP_RETRIES = 0
    yield server
    server.stop()


def make_product(people, name: str = "Daily Revenue"):
    """Finance's data product: Sam (a person) Accountable, Data Engineering (a team) Responsible, Ben Informed."""
    finance = catalog_services.domain_create(actor=None, name="Finance", description="Money in and out")
    sam = people["sam"].person
    return catalog_services.data_product_create(
        actor=people["sam"],
        name=name,
        description="Revenue per day",
        domain=finance,
        tier=1,
        documentation_url="https://docs.example.com/revenue",
        owners=[
            OwnerSpec("A", person=sam),
            OwnerSpec("R", team=people["de"]),
            OwnerSpec("I", person=people["ben"].person),
        ],
    )
