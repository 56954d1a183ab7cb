"""API tokens kept per web process until PostgreSQL notifies a change (portal/api/checked_tokens.py).

"Another process" is a second connection to the test database that changes rows with SQL and commits: this
process then hears of it only through PostgreSQL's notification, as a second gunicorn worker would.
"""

import contextlib
import socket
import threading
import time

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.api import checked_tokens as checked_tokens_module
from portal.api.checked_tokens import APPLICATION_NAME, CHANNEL, CheckedTokens, checked_tokens
from portal.services import api_token_create, api_token_revoke
from tests.conftest import wait_for

ME = "/api/v1/me/"
pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="tokens are kept only where PostgreSQL can notify a change"
)


def other_process():
    return psycopg.connect(**connection.get_connection_params(), autocommit=True)


def token_reads(api_client, secret: str) -> tuple[int, int]:
    """(status, how many times the request read tokens from the database)."""
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get(ME, HTTP_AUTHORIZATION=f"Token {secret}")
    return response.status_code, sum("portal_apitoken" in q["sql"] for q in queries.captured_queries)


def kept(api_client, engineer, name: str = "ci") -> tuple:
    """A token this process has checked and keeps: a request with it reads no token."""
    token, secret = api_token_create(actor=engineer, user=engineer, name=name)
    assert token_reads(api_client, secret) == (200, 2)  # read, and its last use written
    # Until the listener is up and has heard of the commits before (the token's, a flush), a read may not be kept.
    wait_for(lambda: token_reads(api_client, secret) == (200, 0), 10, "the token to be kept", interval=0.05)
    return token, secret


def refused_soon(api_client, secret: str) -> dict:
    """The body of the 401 the token gets once this process has heard of the change."""

    def refused():
        response = api_client.get(ME, HTTP_AUTHORIZATION=f"Token {secret}")
        return response.json() if response.status_code == 401 else None

    return wait_for(refused, 10, "the change to reach this process", interval=0.05)


CHANGED_ELSEWHERE = {  # what another process commits: (SQL, the 401's detail once this process has heard)
    "revoked": ("DELETE FROM portal_apitoken WHERE digest = %(digest)s", "Invalid token."),
    "expired": (
        "UPDATE portal_apitoken SET expiry = now() - interval '1 minute' WHERE digest = %(digest)s",
        "Invalid token.",
    ),
    "user deactivated": ("UPDATE auth_user SET is_active = false WHERE id = %(user)s", "User inactive or deleted."),
}


@pytest.mark.parametrize("change", CHANGED_ELSEWHERE)
@pytest.mark.django_db(transaction=True)
def test_a_token_changed_by_another_process_is_refused_once_postgresql_says_so(api_client, engineer, change):
    token, secret = kept(api_client, engineer)
    statement, detail = CHANGED_ELSEWHERE[change]
    with other_process() as other:
        other.execute(statement, {"digest": token.digest, "user": engineer.pk})
    assert refused_soon(api_client, secret) == {"detail": detail}


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


def test_an_unknown_token_is_read_every_time(api_client, engineer):
    kept(api_client, engineer)  # the listener is up and keeping
    assert [token_reads(api_client, "0" * 64) for _ in range(2)] == [(401, 1), (401, 1)]


@pytest.mark.django_db(transaction=True)
def test_nothing_is_kept_while_the_listener_is_down_and_keeping_resumes_when_it_is_back(
    api_client, engineer, monkeypatch
):
    token, secret = kept(api_client, engineer)
    monkeypatch.setattr(checked_tokens_module, "RECONNECT_AFTER", (5.0, 5.0))  # down long enough to look
    with other_process() as other:
        killed = other.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = %s AND datname = current_database()",
            [APPLICATION_NAME],
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
    wait_for(lambda: token_reads(api_client, secret) == (200, 0), 15, "the token to be kept again", interval=0.1)


class FreezableProxy:
    """A TCP relay to PostgreSQL that can stop relaying without closing anything: a link gone silent."""

    def __init__(self, target: tuple[str, int]):
        self.target, self.frozen = target, threading.Event()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):  # closed at the end
            while True:
                client, _ = self.server.accept()
                upstream = socket.create_connection(self.target)
                for source, sink in ((client, upstream), (upstream, client)):
                    threading.Thread(target=self._relay, args=(source, sink), daemon=True).start()

    def _relay(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                while self.frozen.is_set():
                    time.sleep(0.05)
                sink.sendall(data)

    def close(self) -> None:
        self.frozen.clear()
        self.server.close()


@pytest.mark.django_db(transaction=True)
def test_a_listener_whose_link_goes_silent_stops_being_trusted(api_client, engineer, monkeypatch):
    params = connection.get_connection_params()
    proxy = FreezableProxy((params.get("host") or "127.0.0.1", int(params.get("port") or 5432)))
    monkeypatch.setitem(checked_tokens_module.LISTENER_OPTIONS, "host", "127.0.0.1")
    monkeypatch.setitem(checked_tokens_module.LISTENER_OPTIONS, "port", proxy.port)
    checked_tokens.stop()  # the next request starts a listener through the relay
    try:
        token, secret = kept(api_client, engineer)
        proxy.frozen.set()  # nothing more reaches the listener, and nothing says so
        with other_process() as other:
            other.execute("DELETE FROM portal_apitoken WHERE digest = %s", [token.digest])
        # Kept rows are used for at most TRUSTED_FOR seconds after the last echo's sending, then read again.
        assert refused_soon(api_client, secret) == {"detail": "Invalid token."}
        assert checked_tokens.listening is False
    finally:
        proxy.close()
        checked_tokens.stop()


@pytest.mark.django_db(transaction=True)
def test_nothing_is_kept_where_the_triggers_are_missing(api_client, engineer):
    with other_process() as other:
        other.execute("DROP TRIGGER portal_apitoken_changed ON portal_apitoken")
    checked_tokens.stop()
    try:
        _token, secret = api_token_create(actor=engineer, user=engineer, name="ci")
        reads = [token_reads(api_client, secret) for _ in range(20)]
        assert checked_tokens.listening is False
        assert reads == [(200, 2)] + [(200, 1)] * 19
    finally:
        with other_process() as other:
            other.execute(
                "CREATE TRIGGER portal_apitoken_changed AFTER INSERT OR DELETE OR UPDATE OF digest, token_key,"
                " expiry, user_id ON portal_apitoken FOR EACH STATEMENT EXECUTE FUNCTION portal_api_tokens_changed()"
            )
        checked_tokens.stop()


@pytest.mark.django_db(transaction=True)
def test_postgresql_notifies_changes_that_authenticate_but_not_a_last_use_or_sign_in(engineer, make_user):
    token, _secret = api_token_create(actor=engineer, user=engineer, name="ci")
    other_user = make_user("other")
    with other_process() as listener, other_process() as writer:
        listener.execute(f"LISTEN {CHANNEL}")

        def heard() -> int:
            return len(list(listener.notifies(timeout=0.5)))

        for statement, args, notified in [
            ("UPDATE portal_apitoken SET last_used = now() WHERE digest = %s", [token.digest], 0),
            ("UPDATE auth_user SET last_login = now() WHERE id = %s", [engineer.pk], 0),
            ("UPDATE portal_apitoken SET expiry = now() WHERE digest = %s", [token.digest], 1),
            ("UPDATE portal_apitoken SET user_id = %s WHERE digest = %s", [other_user.pk, token.digest], 1),
            ("UPDATE auth_user SET password = 'x' WHERE id = %s", [engineer.pk], 1),
            ("DELETE FROM portal_apitoken WHERE digest = %s", [token.digest], 1),
            ("TRUNCATE portal_apitoken", [], 1),
        ]:
            writer.execute(statement, args)
            assert heard() == notified, statement


def test_rows_read_while_a_change_arrives_are_not_kept(db):
    tokens = CheckedTokens()
    tokens._in_use = lambda: True  # noqa: SLF001 (as if listening, without a listener)
    tokens._trusted_until = float("inf")  # noqa: SLF001
    reads = []

    def read_during_a_change():
        reads.append(1)
        tokens.forget()  # the notification arrives while the rows are being read
        return [("old row",)]

    assert tokens.rows("key", read_during_a_change) == (("old row",),)
    assert tokens.rows("key", lambda: [("new row",)]) == (("new row",),)
    assert tokens.rows("key", lambda: [("never read",)]) == (("new row",),)
    assert len(reads) == 1
