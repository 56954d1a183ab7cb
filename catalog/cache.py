"""Cached catalog reads: a generation number that every committed catalog change moves on, and answers kept with it.

A cached answer is kept with the generation it was computed in and counts only while that generation is current, so
a change makes every older answer unreachable at once (they expire or are replaced); nothing has to know which
answers a change touched. The generation moves after
the change commits: a reader can never cache a pre-change answer under the post-change generation.

Redis increments atomically; the file cache of the embedded default does a read and a write, so two changes
committed at the same instant may move it once, and an answer computed between them lives until it expires.

What moves it: any save or delete of a catalog model the API shows (signals), and of the few models of other apps
that a cached answer shows (`watch`: on-call's rotations, participants and overrides), any audit event about one of
those objects (the services record one for every change, bulk ones included), and the bulk importer and generator
(explicitly).
"""

import contextlib
import hashlib
import time
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

GENERATION_KEY = "catalog:generation"
# Measurements stream in all day and are not part of any cached answer.
NOT_SHOWN = {"slimeasurement", "freshnessheartbeat", "entitydocument"}


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        # A lost counter (evicted, flushed) restarts somewhere new, never at a number older answers were keyed by.
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        value = cache.get(GENERATION_KEY, 0)
    return value


def _move_on() -> None:
    with contextlib.suppress(ValueError):  # no counter yet: the next reader starts one
        cache.incr(GENERATION_KEY)


def changed() -> None:
    """Call after writing the catalog without the ORM's signals (bulk inserts, COPY); once per transaction."""
    if not settings.CATALOG_CACHE_SECONDS:
        return  # nothing is cached, so there is nothing to make unreachable
    if not connection.in_atomic_block:
        _move_on()
    else:
        # Once per transaction and savepoint: a cascade of signals must not queue a counter move per row.
        savepoints = set(connection.savepoint_ids)
        if not any(func is _move_on and sids == savepoints for sids, func, *_ in connection.run_on_commit):
            transaction.on_commit(_move_on)


@dataclass(frozen=True)
class Slot:
    """Where an answer computed now is kept: its key, and the generation it is computed in."""

    key: str
    generation: int


def lookup(*parts: str) -> tuple[Any, Slot | None]:
    """(the cached answer or None, the slot to `put` a computed one in); (None, None) when caching is off
    (CATALOG_CACHE_SECONDS=0). The generation and the answer are read in one round trip (MGET on Redis): an
    answer is kept with the generation it was computed in and counts only while that is the current one."""
    if not settings.CATALOG_CACHE_SECONDS:
        return None, None
    # Hashed: the parts are URLs and search words, of any length and with any characters.
    answer_key = "catalog:answer:" + hashlib.sha256("\x00".join(parts).encode()).hexdigest()
    found = cache.get_many([GENERATION_KEY, answer_key])
    current = found.get(GENERATION_KEY)
    if current is None:
        current = generation()
    slot = Slot(answer_key, current)
    kept = found.get(answer_key)
    if isinstance(kept, tuple) and len(kept) == 2 and kept[0] == current:
        return kept[1], slot
    return None, slot


def put(slot: Slot | None, answer, *, seconds: float | None = None) -> None:
    """Keep `answer` in `slot` for CATALOG_CACHE_SECONDS, or fewer `seconds` if it holds only that long."""
    if slot is not None:
        timeout = settings.CATALOG_CACHE_SECONDS if seconds is None else min(seconds, settings.CATALOG_CACHE_SECONDS)
        if timeout > 0:
            cache.set(slot.key, (slot.generation, answer), timeout=timeout)


def _on_model_change(sender, **kwargs) -> None:
    changed()


_watched: set[type] = set()  # the models whose changes move the generation


def _on_audit_event(sender, instance, created: bool, **kwargs) -> None:
    if (
        created
        and instance.target_type_id
        and ContentType.objects.get_for_id(instance.target_type_id).model_class() in _watched
    ):
        changed()


def watch(*models: type) -> None:
    """Move the generation on every save and delete of `models`, and every audit event about one of them."""
    for model in models:
        _watched.add(model)
        name = f"{model._meta.app_label}-{model.__name__}"
        post_save.connect(_on_model_change, sender=model, dispatch_uid=f"catalog-cache-save-{name}")
        post_delete.connect(_on_model_change, sender=model, dispatch_uid=f"catalog-cache-delete-{name}")
        m2m_changed.connect(_on_model_change, sender=model, dispatch_uid=f"catalog-cache-m2m-{name}")


def connect() -> None:
    watch(*(m for m in apps.get_app_config("catalog").get_models() if m._meta.model_name not in NOT_SHOWN))
    post_save.connect(_on_audit_event, sender="portal.AuditEvent", dispatch_uid="catalog-cache-audit")
