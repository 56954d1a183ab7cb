"""Readiness checks: is the database answering, is the message broker reachable."""

import time
from collections.abc import Callable

from django.db import connection


def _timed(check: Callable[[], None]) -> dict:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:  # any failure makes the check fail; its message is the diagnosis
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}", "ms": _ms(started)}
    return {"ok": True, "ms": _ms(started)}


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _broker() -> None:
    from django.conf import settings

    from portal.celery import app

    with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def run_checks() -> dict[str, dict]:
    return {"database": _timed(_database), "broker": _timed(_broker)}
