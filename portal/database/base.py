"""Django's PostgreSQL backend, with the health check of a persistent connection skipped while the connection is busy.

With CONN_HEALTH_CHECKS, Django runs `SELECT 1` before the first query of every request that reuses a connection,
a round trip per request (a sixth of an API detail read, docs/benchmarks.md). A connection that the last request
used without errors, less than `PROVEN_FOR` seconds ago, is taken as healthy; one that sat idle for longer (the
server may have restarted or dropped it meanwhile) is still checked. A request that touches no database (a health
probe, a static file) proves nothing. A connection that fails mid-request is closed at the end of that request, as
Django does without health checks.
"""

import time

from django.db.backends.postgresql import base

PROVEN_FOR = 1.0  # seconds


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.proven_at: float | None = None  # when a request last finished after using this connection, error-free
        self.used = False  # a cursor was opened since the last request boundary

    def create_cursor(self, name=None):
        self.used = True
        return super().create_cursor(name)

    def close_if_unusable_or_obsolete(self) -> None:
        # Django calls this when a request starts and when it ends (request_started and request_finished), and
        # Celery's Django fix-up around each task.
        now = time.monotonic()
        worked = self.connection is not None and self.used and not self.errors_occurred
        recently_proven = (
            self.connection is not None
            and not self.errors_occurred
            and self.proven_at is not None
            and now - self.proven_at < PROVEN_FOR
        )
        super().close_if_unusable_or_obsolete()
        self.used = False
        if self.connection is None:
            self.proven_at = None
            return
        if worked:
            self.proven_at = now
        if recently_proven:
            self.health_check_done = True
