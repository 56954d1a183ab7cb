"""API tokens kept per web process until PostgreSQL notifies a change (portal/api/checked_tokens.py).

"Another process" is a second connection to the test database that changes rows with SQL and commits: this
process then hears of it only through PostgreSQL's notification, as a second gunicorn worker would.
"""

from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.api import checked_tokens as checked_tokens_module
from portal.api.checked_tokens import CHANNEL, CheckedTokens, checked_tokens
from portal.models import ApiToken
from portal.services import api_token_create, api_token_revoke
from tests.conftest import wait_for

ME = "/api/v1/me/"


def other_process():
    params = connection.get_connection_params()
    return psycopg.connect(**params, autocommit=True)


def token_reads(api_client, secret: str) -> tuple[int, int]:
    """(status, how many times the request read tokens from the database)."""
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get(ME, HTTP_AUTHORIZATION=f"Token {secret}")
    return response.status_code, sum("portal_apitoken" in q["sql"] for q in queries.captured_queries)


def kept(api_client, engineer) -> tuple[ApiToken, str]:
    """A token this process has checked and keeps: its second request reads no token."""
    token, secret = api_token_create(actor=engineer, user=engineer, name="ci")
    assert token_reads(api_client, secret) == (200, 2)  # the first starts the listener; its last use is written
    wait_for(lambda: checked_tokens.listening, 10, "the token listener to listen")
    assert token_reads(api_client, secret) == (200, 1)  # read again, and kept
    assert token_reads(api_client, secret) == (200, 0)
    return token, secret


def refused_soon(api_client, secret: str) -> dict:
    """The body of the 401 the token gets once this process has heard of the change."""

    def refused():
        response = api_client.get(ME, HTTP_AUTHORIZATION=f"Token {secret}")
        return response.json() if response.status_code == 401 else None

    return wait_for(refused, 10, "the change to reach this process", interval=0.05)


@pytest.mark.django_db(transaction=True)
def test_a_token_revoked_by_another_process_is_refused_once_postgresql_says_so(api_client, engineer):
    token, secret = kept(api_client, engineer)
    with other_process() as other:
        other.execute("DELETE FROM portal_apitoken WHERE digest = %s", [token.digest])
    assert refused_soon(api_client, secret) == {"detail": "Invalid token."}


@pytest.mark.django_db(transaction=True)
def test_a_user_deactivated_by_another_process_is_refused(api_client, engineer):
    _token, secret = kept(api_client, engineer)
    with other_process() as other:
        other.execute("UPDATE auth_user SET is_active = false WHERE id = %s", [engineer.pk])
    assert refused_soon(api_client, secret) == {"detail": "User inactive or deleted."}


@pytest.mark.django_db(transaction=True)
def test_a_token_made_to_expire_by_another_process_is_refused(api_client, engineer):
    token, secret = kept(api_client, engineer)
    with other_process() as other:
        other.execute(
            "UPDATE portal_apitoken SET expiry = %s WHERE digest = %s",
            [timezone.now() - timedelta(minutes=1), token.digest],
        )
    assert refused_soon(api_client, secret) == {"detail": "Invalid token."}


@pytest.mark.django_db(transaction=True)
def test_the_user_is_read_fresh_once_another_process_renames_them(api_client, engineer):
    _token, secret = kept(api_client, engineer)
    with other_process() as other:
        other.execute("UPDATE auth_user SET first_name = 'Renamed' WHERE id = %s", [engineer.pk])

    def renamed():
        return api_client.get(ME, HTTP_AUTHORIZATION=f"Token {secret}").json()["full_name"] == "Renamed Engineer"

    wait_for(renamed, 10, "the new name", interval=0.05)


def test_a_token_revoked_in_this_process_is_refused_at_once(api_client, engineer):
    token, secret = kept(api_client, engineer)
    api_token_revoke(actor=engineer, token=token)  # not committed (the test's transaction): the signal forgets
    assert token_reads(api_client, secret) == (401, 1)


def test_a_user_deactivated_in_this_process_is_refused_at_once(api_client, engineer):
    _token, secret = kept(api_client, engineer)
    engineer.is_active = False
    engineer.save(update_fields=["is_active"])
    response = api_client.get(ME, HTTP_AUTHORIZATION=f"Token {secret}")
    assert (response.status_code, response.json()) == (401, {"detail": "User inactive or deleted."})


def test_every_request_reads_its_token_when_the_cache_is_off(api_client, engineer, settings):
    settings.API_TOKEN_CACHE = False
    _token, secret = api_token_create(actor=engineer, user=engineer, name="ci")
    assert [token_reads(api_client, secret) for _ in range(3)] == [(200, 2), (200, 1), (200, 1)]


@pytest.mark.django_db(transaction=True)
def test_nothing_is_kept_while_the_listener_is_down_and_keeping_resumes_when_it_is_back(
    api_client, engineer, monkeypatch
):
    token, secret = kept(api_client, engineer)
    monkeypatch.setattr(checked_tokens_module, "RECONNECT_AFTER", (2.0, 2.0))  # down long enough to look
    with other_process() as other:
        killed = other.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = %s", [f"LISTEN {CHANNEL}"]
        ).fetchall()
        assert killed == [(True,)]
        wait_for(lambda: not checked_tokens.listening, 10, "the listener to notice")
        # Revoked while nobody listens: no notification reaches this process, yet the token is refused.
        other.execute("DELETE FROM portal_apitoken WHERE digest = %s", [token.digest])
    assert token_reads(api_client, secret) == (401, 1)
    _token, secret = api_token_create(actor=engineer, user=engineer, name="ci again")
    reads = [token_reads(api_client, secret) for _ in range(3)]
    assert checked_tokens.listening is False  # the requests above ran while it was down
    assert reads == [(200, 2), (200, 1), (200, 1)]  # read every time: nothing kept
    wait_for(lambda: checked_tokens.listening, 10, "the listener to connect again")
    assert token_reads(api_client, secret) == (200, 1)
    assert token_reads(api_client, secret) == (200, 0)


@pytest.mark.django_db(transaction=True)
def test_postgresql_notifies_changes_that_authenticate_but_not_a_last_use(engineer):
    token, _secret = api_token_create(actor=engineer, user=engineer, name="ci")
    with other_process() as listener, other_process() as writer:
        listener.execute(f"LISTEN {CHANNEL}")

        def heard() -> int:
            return len(list(listener.notifies(timeout=0.5)))

        writer.execute("UPDATE portal_apitoken SET last_used = now() WHERE digest = %s", [token.digest])
        assert heard() == 0
        writer.execute("UPDATE portal_apitoken SET expiry = now() WHERE digest = %s", [token.digest])
        assert heard() == 1
        writer.execute("UPDATE auth_user SET last_login = now() WHERE id = %s", [engineer.pk])
        assert heard() == 1
        writer.execute("DELETE FROM portal_apitoken WHERE digest = %s", [token.digest])
        assert heard() == 1


def test_rows_read_while_a_change_arrives_are_not_kept(db):
    tokens = CheckedTokens()
    tokens._in_use = lambda: True  # noqa: SLF001 (as if listening, without a listener)
    tokens._set_listening(True)  # noqa: SLF001
    reads = []

    def read_during_a_change():
        reads.append(1)
        tokens.forget()  # the notification arrives while the rows are being read
        return [("old row",)]

    assert tokens.rows("key", read_during_a_change) == (("old row",),)
    assert tokens.rows("key", lambda: [("new row",)]) == (("new row",),)
    assert tokens.rows("key", lambda: [("never read",)]) == (("new row",),)
    assert len(reads) == 1
