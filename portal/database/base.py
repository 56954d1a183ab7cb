"""Django's PostgreSQL backend, with the health check of a persistent connection skipped while the connection is busy.

With CONN_HEALTH_CHECKS, Django runs `SELECT 1` before the first query of every request that reuses a connection,
a round trip per request (a sixth of an API detail read, docs/benchmarks.md). A connection that a request finished
with, without errors, less than `PROVEN_FOR` seconds ago is taken as healthy; one idle for longer (the server may
have restarted or dropped it meanwhile) is still checked. A connection that fails mid-request is closed at the end
of that request, as Django does without health checks.
"""

import time

from django.db.backends.postgresql import base

PROVEN_FOR = 1.0  # seconds


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.proven_at: float | None = None  # when a request last finished with this connection working

    def close_if_unusable_or_obsolete(self) -> None:
        # Django calls this when a request starts and when it ends (request_started and request_finished).
        proven = (
            self.connection is not None
            and not self.errors_occurred
            and self.proven_at is not None
            and time.monotonic() - self.proven_at < PROVEN_FOR
        )
        super().close_if_unusable_or_obsolete()
        if self.connection is None:
            self.proven_at = None
            return
        if proven:
            self.health_check_done = True
        self.proven_at = time.monotonic()
