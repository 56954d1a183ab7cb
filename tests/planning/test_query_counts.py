"""Lists cost a constant number of queries, whether they hold 5 rows or 50."""

import datetime

import pytest
from django.utils import timezone

from catalog.models import Service
from planning.choices import CycleState
from planning.models import HillUpdate, Scope
from tests.planning.factories import AbsenceFactory, BetFactory, CycleFactory, PitchFactory

API = "/api/v1/planning"
ROWS = [5, 50]


@pytest.fixture
def many(org):
    """`make(n)` fills every list with n rows, each with related rows a naive serializer would query per row."""

    def make(n: int):
        spark = Service.objects.create(kind="platform_component", name="Spark", slug="spark", lifecycle="production")
        building = CycleFactory(state=CycleState.BUILDING, start_date=timezone.localdate() - datetime.timedelta(days=9))
        for i in range(n):
            CycleFactory(state=CycleState.DONE)
            pitch = PitchFactory()
            pitch.entities.set([spark])
            bet = BetFactory(cycle=building, team=org.platform if i % 2 else org.mlops)
            bet.people.set([org.kim.person])
            scope = Scope.objects.create(bet=bet, title=f"Scope {i}")
            HillUpdate.objects.create(scope=scope, position=i % 100, note="moved")
            AbsenceFactory(person=org.kim.person, end_date=timezone.localdate() + datetime.timedelta(days=3))
        return building

    return make


@pytest.mark.parametrize("rows", ROWS)
@pytest.mark.parametrize(
    ("path", "queries"),
    # One page holds them all (50 rows make up to 100 pitches): no count query (FirstPageFirstPaginator).
    [("cycles", 1), ("pitches", 3), ("bets", 2), ("scopes", 1), ("hill-updates", 1), ("absences", 2)],
)
def test_api_lists_take_a_constant_number_of_queries(
    rows, path, queries, many, api_client, lead, django_assert_num_queries
):
    many(rows)
    api_client.force_authenticate(lead)
    with django_assert_num_queries(queries):
        response = api_client.get(f"{API}/{path}/?page_size=500")
    assert response.status_code == 200
    assert len(response.json()["results"]) >= rows


@pytest.mark.parametrize("rows", ROWS)
@pytest.mark.parametrize(
    ("path", "queries"),
    [("/planning/", 10), ("/planning/pitches/", 6), ("/planning/absences/", 6)],
)
def test_pages_take_a_constant_number_of_queries(rows, path, queries, many, client, lead, django_assert_num_queries):
    building = many(rows)
    client.force_login(lead)
    with django_assert_num_queries(queries):
        response = client.get(path)
    assert response.status_code == 200
    if path == "/planning/":
        assert building.name in response.content.decode()


@pytest.mark.parametrize("rows", ROWS)
def test_the_cycle_page_takes_a_constant_number_of_queries(rows, many, client, lead, django_assert_num_queries):
    building = many(rows)
    client.force_login(lead)
    with django_assert_num_queries(13):  # one of them reads everyone's on-call rotations at once
        response = client.get(building.get_absolute_url())
    html = response.content.decode()
    assert html.count("/planning/bets/") == rows  # every bet is listed, with its people and scopes
