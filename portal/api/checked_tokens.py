"""The API tokens a web process has read, kept in its memory until PostgreSQL says a token or a user changed.

Every API request checks its token, and reading the token with its user was one of the two round trips to
PostgreSQL of a request by name (docs/benchmarks.md). Each process keeps the rows it read (`rows`), per token key,
and drops all of them when PostgreSQL notifies it: triggers (migration 0003) send a notification on CHANNEL after
any insert, update of what authenticates (key, digest, expiry, user), delete or truncate of the tokens, and any
update (but of the last sign-in), delete or truncate of the users. A thread per process LISTENs on its own
connection.

A change is therefore refused by every process once the notification reaches it, normally within a millisecond of
the commit; a save or delete through the ORM in this process is forgotten here at once (signals). Rows are kept
only if nothing changed between the read and the keeping (a generation counter, moved on every notification and
every (re)connection), so a read from before a change is never kept after it.

Kept rows are trusted only while the listener has lately proved that notifications reach it: every HEARTBEAT
seconds it notifies itself on a channel of its own and waits for the echo, and rows are used only up to TRUSTED_FOR
seconds after the last echo's sending. A connection gone silent (a dropped TCP connection, a failover), a pooler in
transaction mode (where LISTEN succeeds but nothing arrives) or a database without the triggers (migrations not
run) therefore keeps nothing, or stops trusting what it kept within TRUSTED_FOR seconds: every request then reads,
as before. Off with API_TOKEN_CACHE=false, and on SQLite, which cannot notify.

This holds because a request reads committed rows as of its query (PostgreSQL's READ COMMITTED, no
ATOMIC_REQUESTS) from the primary; a request transaction at REPEATABLE READ, or reads from a replica, would need
to be reconsidered here.

The rows are kept, not model instances: every request builds its own token and user from them, so nothing one
request sets on them (Django caches permissions on the user object) reaches another.
"""

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence

import psycopg
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, transaction
from django.db.models.signals import post_delete, post_save

CHANNEL = "portal_api_tokens"
TRIGGERS = ("portal_apitoken_changed", "portal_apitoken_truncated", "portal_user_changed", "portal_user_truncated")
HEARTBEAT = 2.0  # seconds between the listener's echoes
TRUSTED_FOR = 5.0  # seconds after an echo was sent that kept rows are used, unless another echo came back
MAX_KEPT = 10_000  # token keys per process; past that, start again (a process serves few distinct tokens)
RECONNECT_AFTER = (0.5, 30.0)  # seconds: the first wait after the listener lost its connection, and the longest
POLL_SECONDS = 0.5  # how often the listener looks up from waiting, to send its echo or stop when asked
APPLICATION_NAME = "portal api token listener"  # as pg_stat_activity shows its connection
LISTENER_OPTIONS = {  # over the database's own: a link that stops answering is given up in seconds, not hours
    "application_name": APPLICATION_NAME,
    "connect_timeout": 10,
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
}

logger = logging.getLogger(__name__)


class ListenerUnusable(Exception):
    """The listener cannot vouch for kept rows (the triggers are missing, or its echo did not come back)."""


class CheckedTokens:
    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[str, Sequence[tuple]] = {}
        self._generation = 0
        self._trusted_until = 0.0  # time.monotonic() up to which kept rows are used
        self._pid: int | None = None  # the process the listener runs in: a forked child starts its own
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def rows(self, key: str, read: Callable[[], Sequence[tuple]]) -> Sequence[tuple]:
        """The token rows of `key`: those kept, else `read()` (kept if the listener is trusted and nothing changed
        while reading; an unknown key is not kept)."""
        if not self._in_use():
            return read()
        with self._lock:
            generation, trusted = self._generation, self.listening
            kept = self._rows.get(key) if trusted else None
        if kept is not None:
            return kept
        found = tuple(read())
        with self._lock:
            if found and trusted and self.listening and generation == self._generation:
                if len(self._rows) >= MAX_KEPT:
                    self._rows.clear()
                self._rows[key] = found
        return found

    def discard(self, key: str) -> None:
        """Read `key` again next time (its last use was just written)."""
        with self._lock:
            self._rows.pop(key, None)

    def forget(self) -> None:
        """Drop everything kept, and anything being read now."""
        with self._lock:
            self._generation += 1
            self._rows.clear()

    @property
    def listening(self) -> bool:
        """Whether notifications were seen to arrive lately, so kept rows may be used."""
        return time.monotonic() < self._trusted_until

    def stop(self) -> None:
        """Stop this process's listener and close its connection (tests, before their database is dropped)."""
        thread, self._pid = self._thread, None
        self._stop.set()
        if thread is not None:
            thread.join(timeout=POLL_SECONDS * 10)
        self._distrust()

    def _in_use(self) -> bool:
        if not settings.API_TOKEN_CACHE or connections["default"].vendor != "postgresql":
            return False
        if self._pid != os.getpid():
            self._start()
        return True

    def _start(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return  # another thread started it meanwhile
            self._pid = os.getpid()
            self._trusted_until = 0.0
            self._generation += 1
            self._rows.clear()
            self._stop = threading.Event()
            params = {**connections["default"].get_connection_params(), **LISTENER_OPTIONS}
            self._thread = threading.Thread(
                target=self._listen, args=(params, self._stop), name="api-token-listener", daemon=True
            )
            self._thread.start()

    def _listen(self, params: dict, stop: threading.Event) -> None:
        failures = 0
        while not stop.is_set():
            try:
                with psycopg.connect(**params, autocommit=True) as connection:
                    self._serve(connection, stop)
            except Exception:  # a lost connection, PostgreSQL restarting, missing triggers: read every token
                self._distrust()
                wait = min(RECONNECT_AFTER[0] * 2**failures, RECONNECT_AFTER[1])
                failures += 1
                logger.warning("API token listener: tokens are read from the database until it is back "
                               "(next try in %.1f s).", wait, exc_info=True)  # fmt: skip
                stop.wait(wait)
            else:
                failures = 0
        self._distrust()

    def _serve(self, connection: psycopg.Connection, stop: threading.Event) -> None:
        found = connection.execute("SELECT count(*) FROM pg_trigger WHERE tgname = ANY(%s)", [list(TRIGGERS)])
        if found.fetchone()[0] != len(TRIGGERS):
            raise ListenerUnusable("the triggers of migration portal 0003 are missing: run `manage.py migrate`")
        echo = f"{CHANNEL}_echo_{connection.info.backend_pid}"
        connection.execute(f"LISTEN {CHANNEL}")
        connection.execute(f"LISTEN {echo}")
        self.forget()  # what was read before LISTEN may have missed a change: start afresh
        sent, next_echo = None, 0.0  # when the echo in flight was sent; when the next one is due
        while not stop.is_set():
            if sent is None and time.monotonic() >= next_echo:
                sent = time.monotonic()
                connection.execute("SELECT pg_notify(%s, '')", [echo])
            for notification in connection.notifies(timeout=POLL_SECONDS):
                if notification.channel != echo:
                    self.forget()
                elif sent is not None:
                    # Notifications arrive in commit order: every change committed before the echo was sent has
                    # been heard, so what is kept holds until then, and for TRUSTED_FOR seconds more at most.
                    self._trusted_until, next_echo, sent = sent + TRUSTED_FOR, sent + HEARTBEAT, None
            if sent is not None and time.monotonic() - sent > TRUSTED_FOR:
                raise ListenerUnusable("its echo did not come back (a pooler in transaction mode, or a lost link)")

    def _distrust(self) -> None:
        self._trusted_until = 0.0
        self.forget()


checked_tokens = CheckedTokens()
if hasattr(os, "register_at_fork"):
    # A child forked while a thread of the parent held the lock would wait for it forever.
    os.register_at_fork(after_in_child=checked_tokens._reset)  # noqa: SLF001


def _changed_here(sender, using: str = "default", **kwargs) -> None:
    # Forget now, and again at the commit: a request of this process may read the old row in between.
    checked_tokens.forget()
    transaction.on_commit(checked_tokens.forget, using=using)


def connect_signals() -> None:
    """Forget at once when this process saves or deletes a token or a user through the ORM (other processes, and
    QuerySet.update() or raw SQL here, are heard of through PostgreSQL's notification)."""
    from portal.models import ApiToken

    for model in (ApiToken, get_user_model()):
        post_save.connect(_changed_here, sender=model, dispatch_uid=f"checked-tokens-save-{model.__name__}")
        post_delete.connect(_changed_here, sender=model, dispatch_uid=f"checked-tokens-delete-{model.__name__}")
