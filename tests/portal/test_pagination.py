"""Every API list pages with FirstPageFirstPaginator: Django's pages, with no count query for a short first page."""

import pytest
from django.core.paginator import EmptyPage, Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.api.pagination import FirstPageFirstPaginator


@pytest.mark.parametrize("orphans", [0, 2])
@pytest.mark.parametrize("size", range(13))
def test_pages_are_the_ones_djangos_paginator_gives(size, orphans):
    items = list(range(size))
    ours, django = FirstPageFirstPaginator(items, 5, orphans=orphans), Paginator(items, 5, orphans=orphans)
    for number in ("1", 1, *range(2, django.num_pages + 1)):
        mine, theirs = ours.page(number), django.page(number)
        assert list(mine.object_list) == list(theirs.object_list)
        assert (mine.has_next(), mine.has_previous(), ours.count, ours.num_pages) == (
            theirs.has_next(),
            theirs.has_previous(),
            django.count,
            django.num_pages,
        )


def test_an_empty_first_page_is_refused_when_asked():
    with pytest.raises(EmptyPage):
        FirstPageFirstPaginator([], 5, allow_empty_first_page=False).page(1)


@pytest.fixture
def token_user(make_user):
    return make_user("reader", role="stakeholder")


def _queries(api_client, url: str) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as ctx:
        response = api_client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.json()


def test_a_short_first_page_is_counted_without_a_count_query(api_client, token_user):
    from catalog import services

    api_client.force_authenticate(token_user)
    for name in ("Alpha", "Beta", "Gamma"):
        services.team_create(actor=None, name=name)
    short_queries, short = _queries(api_client, "/api/v1/catalog/teams/?page_size=5")
    full_queries, full = _queries(api_client, "/api/v1/catalog/teams/?page_size=3")
    assert short["count"] == full["count"] == 3
    assert len(short["results"]) == len(full["results"]) == 3
    assert (short["next"], full["next"]) == (None, None)
    assert short_queries == full_queries - 1  # a full page cannot tell whether more follow: it counts
    _queries_, second = _queries(api_client, "/api/v1/catalog/teams/?page_size=2&page=2")
    assert second["count"] == 3 and [t["name"] for t in second["results"]] == ["Gamma"]
