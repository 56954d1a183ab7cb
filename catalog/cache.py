"""Cached reads: generation numbers that every committed change moves on, and answers kept with them.

A cached answer is kept with the generation it was computed in and counts only while that generation is current, so
a change makes every older answer unreachable at once (they expire or are replaced); nothing has to know which
answers a change touched. The generation moves after
the change commits: a reader can never cache a pre-change answer under the post-change generation.

Redis increments atomically; the file cache of the embedded default does a read and a write, so two changes
committed at the same instant may move it once, and an answer computed between them lives until it expires.

There is a generation per kind of answer, so a change moves only those of the answers it can touch: the catalog's
(`CATALOG`: the entity lists and search results) and on-call's ("who is on call now", `oncall/apps.py`). What moves
one: any save or delete of a model it `watch`es (signals), any audit event about such an object (the services
record one for every change, bulk ones included), and the bulk importer and generator (`changed_everywhere()`:
every generation, as a bulk load writes people and teams too). When one change moves several, those of copies kept
in a process (`KeptInProcess`) move first, so that no shared answer is computed from an outdated copy under a new
generation.

The cache is an accelerator, never a dependency: while it is unreachable, answers are computed (and a warning
logged). A change committed meanwhile cannot move the generation, so an answer cached before it may be served again
once the cache is back, until it expires (CATALOG_CACHE_SECONDS).
"""

import functools
import hashlib
import logging
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

CATALOG = "catalog:generation"  # of the catalog's cached answers: the entity lists and search results
# Measurements stream in all day and are not part of any cached answer.
NOT_SHOWN = {"slimeasurement", "freshnessheartbeat", "entitydocument"}

logger = logging.getLogger(__name__)
_watched: dict[type, set[str]] = defaultdict(set)  # model -> the generations its changes move
_kept_generations: set[str] = set()  # the generations of copies kept in process (KeptInProcess): moved first
_unless_verbs: dict[str, tuple[str, ...]] = {}  # generation -> the audit verbs that do not move it


def generation(key: str = CATALOG) -> int:
    value = cache.get(key)
    if value is None:
        # A lost counter (evicted, flushed) restarts somewhere new, never at a number older answers were keyed by.
        cache.add(key, time.time_ns(), timeout=None)
        value = cache.get(key, 0)
    return value


@functools.cache  # one function per generation: `changed` finds it among the on-commit hooks by identity
def _mover(key: str):
    def move_on() -> None:
        try:
            cache.incr(key)
        except ValueError:
            pass  # no counter yet: the next reader starts one
        except Exception:  # the change is committed: it must not fail for the cache (see the module's docstring)
            logger.warning("The cache is unreachable: %s did not move on.", key, exc_info=True)

    move_on.generation_key = key
    return move_on


def changed_everywhere() -> None:
    """Move every generation on: call it after writing without the ORM's signals (bulk inserts, COPY)."""
    changed(*{key for found in _watched.values() for key in found})


def changed(*keys: str) -> None:
    """Move the generations `keys` on after the current transaction commits (at once outside one); once per
    transaction and generation, however often it is called."""
    if not settings.CATALOG_CACHE_SECONDS:
        return  # nothing is cached, so there is nothing to make unreachable
    # The generations of copies kept in process move before the others: a shared answer computed between two moves
    # would otherwise be read from a copy about to be outdated and kept under the answers' new generation (served
    # stale until it expires).
    queued_kept = False
    for key in sorted(set(keys), key=lambda key: key not in _kept_generations):
        move_on = _mover(key)
        if not connection.in_atomic_block:
            move_on()
            continue
        # Once per transaction and savepoint: a cascade of signals must not queue a counter move per row.
        if not _waiting(move_on, savepoints=set(connection.savepoint_ids)):
            transaction.on_commit(move_on)
            queued_kept = queued_kept or key in _kept_generations
    if queued_kept:
        _kept_moves_first()


def _kept_moves_first() -> None:
    """Put the moves of the generations of kept copies queued in this transaction before its other moves (those of
    shared answers, queued by an earlier change in it), keeping every other hook where it is."""
    hooks = connection.run_on_commit
    moves = [i for i, hook in enumerate(hooks) if hasattr(hook[1], "generation_key")]
    ordered = sorted((hooks[i] for i in moves), key=lambda hook: hook[1].generation_key not in _kept_generations)
    for i, hook in zip(moves, ordered, strict=True):
        hooks[i] = hook


def _waiting(move_on, savepoints: set | None = None) -> bool:
    """Whether the current transaction has queued `move_on` for its commit (in `savepoints`, or in any)."""
    return any(
        func is move_on and (savepoints is None or sids == savepoints) for sids, func, *_ in connection.run_on_commit
    )


def _in_own_transaction() -> bool:
    """Whether the code runs inside a transaction of its own (an atomic block not opened by Django's test case
    around a test, which Django's durable blocks also look through)."""
    return any(not block._from_testcase for block in connection.atomic_blocks)


@dataclass(frozen=True)
class Slot:
    """Where an answer computed now is kept: its key, and the generation it is computed in."""

    key: str
    generation: int


def lookup(*parts: str, generation_key: str = CATALOG) -> tuple[Any, Slot | None]:
    """(the cached answer or None, the slot to `put` a computed one in); (None, None) when caching is off
    (CATALOG_CACHE_SECONDS=0) or the cache is unreachable. The generation and the answer are read in one round trip
    (MGET on Redis): an answer is kept with the generation it was computed in and counts only while that is the
    current one."""
    if not settings.CATALOG_CACHE_SECONDS:
        return None, None
    # Hashed: the parts are URLs and search words, of any length and with any characters.
    prefix = generation_key.removesuffix(":generation")  # "catalog:generation" keeps "catalog:answer:..."
    answer_key = f"{prefix}:answer:" + hashlib.sha256("\x00".join(parts).encode()).hexdigest()
    try:
        found = cache.get_many([generation_key, answer_key])
        current = found.get(generation_key)
        if current is None:
            current = generation(generation_key)
    except Exception:  # the cache is down: compute (Redis's errors are not Django's; any backend's are possible)
        logger.warning("The cache is unreachable: answers are computed.", exc_info=True)
        return None, None
    slot = Slot(answer_key, current)
    kept = found.get(answer_key)
    if isinstance(kept, tuple) and len(kept) == 2 and kept[0] == current:
        return kept[1], slot
    return None, slot


def put(slot: Slot | None, answer, *, seconds: float | None = None) -> None:
    """Keep `answer` in `slot` for CATALOG_CACHE_SECONDS, or fewer `seconds` if it holds only that long."""
    if slot is None:
        return
    timeout = settings.CATALOG_CACHE_SECONDS if seconds is None else min(seconds, settings.CATALOG_CACHE_SECONDS)
    if timeout > 0:
        try:
            cache.set(slot.key, (slot.generation, answer), timeout=timeout)
        except Exception:  # as in lookup: the answer is still given, only not kept
            logger.warning("The cache is unreachable: an answer is not kept.", exc_info=True)


class KeptInProcess:
    """Answers kept in this process's memory with the generation of `generation_key` they were read in, for reads
    that cost more from the database than checking a generation in the cache does (the rotations and people of "who
    is on call", which hand-offs and overrides leave as they are).

    A kept answer counts only while its generation is current, for at most CATALOG_CACHE_SECONDS (the bound on an
    answer kept across a change the cache did not hear of, as for the shared answers). Nothing is kept or used where
    the generation cannot be known (caching off, the cache unreachable) or inside a transaction: one that changed
    what an answer covers must read its own change, and one that rolls back must leave nothing behind. The `size`
    answers used last are kept.
    """

    def __init__(self, generation_key: str, size: int = 256):
        self.generation_key = generation_key
        _kept_generations.add(generation_key)
        self.size = size
        self._kept: OrderedDict[Any, tuple[int, float, Any]] = OrderedDict()  # key -> (generation, until, answer)
        self._lock = threading.Lock()  # gunicorn's threads share it

    def get(self, key, compute: Callable[[], Any]) -> Any:
        """The answer kept for `key`, or `compute()`'s, then kept if it could be."""
        current = self._current_generation()
        if current is None:
            return compute()
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None and kept[0] == current and time.monotonic() < kept[1]:
                self._kept.move_to_end(key)
                return kept[2]
        answer = compute()  # read after the generation: a change committed meanwhile moves it past `current`
        with self._lock:
            self._kept[key] = (current, time.monotonic() + settings.CATALOG_CACHE_SECONDS, answer)
            self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return answer

    def _current_generation(self) -> int | None:
        if not settings.CATALOG_CACHE_SECONDS or _in_own_transaction():
            return None
        if _waiting(_mover(self.generation_key)):
            return None  # a change not yet committed (the writes of a test, which never commit): read it as changed
        try:
            return generation(self.generation_key)
        except Exception:  # as in lookup: read from the database
            logger.warning("The cache is unreachable: answers are read afresh.", exc_info=True)
            return None


def _on_model_change(sender, **kwargs) -> None:
    changed(*_watched.get(sender, ()))


def _on_audit_event(sender, instance, created: bool, **kwargs) -> None:
    if created and instance.target_type_id:
        keys = _watched.get(ContentType.objects.get_for_id(instance.target_type_id).model_class(), ())
        changed(*(key for key in keys if not instance.verb.startswith(_unless_verbs.get(key, ()))))


def watch(*models: type, generation_key: str = CATALOG, unless_verbs: tuple[str, ...] = ()) -> None:
    """Move `generation_key` on at every save and delete of `models`, and every audit event about one of them but
    those whose verb starts with one of `unless_verbs` (events about an object that record a change to another)."""
    if unless_verbs:
        _unless_verbs[generation_key] = unless_verbs
    for model in models:
        _watched[model].add(generation_key)
        name = f"{model._meta.app_label}-{model.__name__}"
        post_save.connect(_on_model_change, sender=model, dispatch_uid=f"catalog-cache-save-{name}")
        post_delete.connect(_on_model_change, sender=model, dispatch_uid=f"catalog-cache-delete-{name}")
        m2m_changed.connect(_on_model_change, sender=model, dispatch_uid=f"catalog-cache-m2m-{name}")


def connect() -> None:
    watch(*(m for m in apps.get_app_config("catalog").get_models() if m._meta.model_name not in NOT_SHOWN))
    post_save.connect(_on_audit_event, sender="portal.AuditEvent", dispatch_uid="catalog-cache-audit")
