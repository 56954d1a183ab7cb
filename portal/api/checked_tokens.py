"""The API tokens a web process has read, kept in its memory until PostgreSQL says a token or a user changed.

Every API request checks its token, and reading the token with its user was one of the two round trips to
PostgreSQL of a request by name (docs/benchmarks.md). Each process keeps the rows it read (`rows`), per token key,
and drops all of them when PostgreSQL notifies it: a trigger (migration 0003) sends a notification on CHANNEL after
any insert, update of what authenticates (key, digest, expiry, user), delete or truncate of the tokens, and any
change to the users. A thread per process LISTENs on its own connection.

A change is therefore refused by every process once the notification reaches it, normally within a millisecond of
the commit; the process that made the change through the ORM forgets at once (`forget`, from signals). Rows are
kept only while the thread is listening, and only if nothing changed between the read and the keeping (a
generation counter, moved on every notification and every (re)connection), so a read from before a change is
never kept after it. While the listener is down (PostgreSQL restarting, a pooler that cannot LISTEN) nothing is
kept: every request reads, as before. Off with API_TOKEN_CACHE=false, and on SQLite, which cannot notify.

The rows are kept, not model instances: every request builds its own token and user from them, so nothing one
request sets on them (Django caches permissions on the user object) reaches another.
"""

import logging
import os
import threading
from collections.abc import Callable, Sequence

import psycopg
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, transaction
from django.db.models.signals import post_delete, post_save

CHANNEL = "portal_api_tokens"
MAX_KEPT = 10_000  # token keys per process; past that, start again (a process serves few distinct tokens)
RECONNECT_AFTER = (0.5, 30.0)  # seconds: the first wait after the listener lost its connection, and the longest
POLL_SECONDS = 0.5  # how often the listener looks up from waiting, to stop when asked

logger = logging.getLogger(__name__)


class CheckedTokens:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[str, Sequence[tuple]] = {}
        self._generation = 0
        self._listening = False
        self._pid: int | None = None  # the process the listener runs in: a forked child starts its own
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def rows(self, key: str, read: Callable[[], Sequence[tuple]]) -> Sequence[tuple]:
        """The token rows of `key`: those kept, else `read()` (kept if the listener was up and nothing changed
        while reading)."""
        if not self._in_use():
            return read()
        with self._lock:
            kept = self._rows.get(key)
            generation, listening = self._generation, self._listening
        if kept is not None:
            return kept
        found = tuple(read())
        with self._lock:
            if listening and self._listening and generation == self._generation:
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
        return self._listening

    def stop(self) -> None:
        """Stop this process's listener and close its connection (tests, before their database is dropped)."""
        thread, self._pid = self._thread, None
        self._stop.set()
        if thread is not None:
            thread.join(timeout=POLL_SECONDS * 10)
        self._set_listening(False)

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
            self._listening = False
            self._generation += 1
            self._rows.clear()
            self._stop = threading.Event()
            params = connections["default"].get_connection_params()
            self._thread = threading.Thread(
                target=self._listen, args=(params, self._stop), name="api-token-listener", daemon=True
            )
            self._thread.start()

    def _listen(self, params: dict, stop: threading.Event) -> None:
        failures = 0
        while not stop.is_set():
            try:
                with psycopg.connect(**params, autocommit=True) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    self._set_listening(True)  # only now: a change committed before LISTEN was never kept
                    failures = 0
                    while not stop.is_set():
                        for _notification in connection.notifies(timeout=POLL_SECONDS):
                            self.forget()
            except Exception:  # a lost connection, PostgreSQL restarting: read every token until listening again
                self._set_listening(False)
                wait = min(RECONNECT_AFTER[0] * 2**failures, RECONNECT_AFTER[1])
                failures += 1
                logger.warning("API token listener lost its connection; tokens are read from the database "
                               "until it is back (next try in %.1f s).", wait, exc_info=True)  # fmt: skip
                stop.wait(wait)
        self._set_listening(False)

    def _set_listening(self, listening: bool) -> None:
        with self._lock:
            self._listening = listening
            self._generation += 1
            self._rows.clear()


checked_tokens = CheckedTokens()


def _changed_here(sender, **kwargs) -> None:
    # Forget now, and again at the commit: a request of this process may read the old row in between.
    checked_tokens.forget()
    transaction.on_commit(checked_tokens.forget)


def connect() -> None:
    """Forget at once when this process changes a token or a user through the ORM (others hear from PostgreSQL)."""
    from portal.models import ApiToken

    for model in (ApiToken, get_user_model()):
        post_save.connect(_changed_here, sender=model, dispatch_uid=f"checked-tokens-save-{model.__name__}")
        post_delete.connect(_changed_here, sender=model, dispatch_uid=f"checked-tokens-delete-{model.__name__}")
