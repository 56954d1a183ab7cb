"""portal.database: a persistent connection is health-checked before reuse only after it sat idle."""

import pytest
from django.db import connection, connections

from portal.database.base import PROVEN_FOR

pytestmark = pytest.mark.django_db(transaction=True)  # request boundaries act outside a transaction only


@pytest.fixture(autouse=True)
def settled():
    """A request boundary first, so nothing an earlier test left on the connection (an error) counts here."""
    connection.ensure_connection()
    connection.close_if_unusable_or_obsolete()


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _terminate(pid: int) -> None:
    """What a database restart or an idle timeout does to our connection, done from another one."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()


def _count_health_checks(monkeypatch) -> list:
    checks = []
    real = connection.is_usable

    def counted():
        checks.append(1)
        return real()

    monkeypatch.setattr(connection, "is_usable", counted)
    return checks


def test_a_connection_the_last_request_just_used_is_not_checked_again(monkeypatch):
    pid = _backend_pid()
    checks = _count_health_checks(monkeypatch)
    connection.close_if_unusable_or_obsolete()  # a request ends
    connection.close_if_unusable_or_obsolete()  # the next one starts at once
    assert _backend_pid() == pid
    assert checks == []


def test_a_connection_idle_for_longer_is_checked_once_per_request(monkeypatch):
    _backend_pid()
    checks = _count_health_checks(monkeypatch)
    connection.close_if_unusable_or_obsolete()
    connection.proven_at -= PROVEN_FOR + 1  # the connection sat idle
    connection.close_if_unusable_or_obsolete()
    _backend_pid()
    _backend_pid()
    assert checks == [1]


def test_requests_that_use_no_database_do_not_keep_an_idle_connection_from_being_checked(monkeypatch):
    # A health probe every half second must not vouch for a connection nothing has used for minutes.
    pid = _backend_pid()
    connection.close_if_unusable_or_obsolete()
    connection.proven_at -= PROVEN_FOR + 1
    _terminate(pid)
    for _ in range(3):  # requests that touch no database: their start and their end
        connection.close_if_unusable_or_obsolete()
        connection.close_if_unusable_or_obsolete()
    assert _backend_pid() != pid


def test_a_connection_the_server_dropped_while_idle_is_replaced_before_the_next_query():
    pid = _backend_pid()
    connection.close_if_unusable_or_obsolete()
    connection.proven_at -= PROVEN_FOR + 1
    _terminate(pid)
    connection.close_if_unusable_or_obsolete()  # the next request starts
    assert _backend_pid() != pid  # no error: a new connection answered
