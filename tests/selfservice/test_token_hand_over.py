"""The requester collects a request's one-time secret (a Superset guest token) once, by the API or the page."""

import pytest
from django.core.cache import cache

from selfservice.actions.superset_embed import ACTION_ID, _cache_key
from selfservice.models import Request


@pytest.fixture
def granted(people):
    """A succeeded embed-token request whose token waits in the shared cache, as the worker leaves it."""
    request = Request.objects.create(
        action=ACTION_ID, requester=people["ana"], team=people["de"], status="succeeded", parameters={}
    )
    cache.set(_cache_key(request.pk), "eyJ.guest.token", 300)
    yield request
    cache.delete(_cache_key(request.pk))


def test_the_requester_gets_the_token_once_over_the_api(api_client, people, granted):
    api_client.force_authenticate(people["ana"])
    url = f"/api/v1/selfservice/requests/{granted.pk}/token/"
    response = api_client.post(url)
    assert response.status_code == 200
    assert response.json() == {"token": "eyJ.guest.token"} and response["Cache-Control"] == "no-store"
    again = api_client.post(url)
    assert again.status_code == 409
    assert "shown once already or has expired" in again.json()["detail"]


def test_only_the_requester_gets_it(api_client, people, granted):
    url = f"/api/v1/selfservice/requests/{granted.pk}/token/"
    api_client.force_authenticate(people["sam"])  # same team: sees the request, may not take its secret
    assert api_client.post(url).status_code == 403
    api_client.force_authenticate(people["ben"])  # another team: does not see the request at all
    assert api_client.post(url).status_code == 404
    assert cache.get(_cache_key(granted.pk)) == "eyJ.guest.token"  # still there for the requester


def test_the_request_page_offers_it_once(client, people, granted):
    client.force_login(people["ana"])
    page = client.get(f"/selfservice/requests/{granted.pk}/").content.decode()
    assert "Show the token once" in page
    shown = client.post(f"/selfservice/requests/{granted.pk}/token/")
    assert shown.status_code == 200 and b"eyJ.guest.token" in shown.content
    assert "Show the token once" not in client.get(f"/selfservice/requests/{granted.pk}/").content.decode()
    again = client.post(f"/selfservice/requests/{granted.pk}/token/", follow=True)
    assert b"eyJ.guest.token" not in again.content and b"shown once already" in again.content


def test_a_request_without_a_secret_has_no_token(api_client, people):
    request = Request.objects.create(
        action="kafka-topic", requester=people["ana"], team=people["de"], status="succeeded", parameters={}
    )
    api_client.force_authenticate(people["ana"])
    response = api_client.post(f"/api/v1/selfservice/requests/{request.pk}/token/")
    assert response.status_code == 400
    assert response.json() == {"action": ["Only a Superset embed token request has a token."]}
