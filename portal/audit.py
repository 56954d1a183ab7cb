"""The audit trail: `record()` for domain events, `snapshot()` + `record_change()` for model changes.

Services call these explicitly inside their transaction, so an event exists exactly when the change does.
"""

import datetime
import decimal
import uuid
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from portal.models import AuditEvent

__all__ = ["diff", "entry", "events_for", "record", "record_all", "record_change", "snapshot"]


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def snapshot(instance: models.Model | None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The concrete field values of `instance` (foreign keys as ids), plus `extra` (e.g. related rows)."""
    if instance is None or instance.pk is None:
        return dict(extra or {})
    data = {field.attname: _jsonable(getattr(instance, field.attname)) for field in instance._meta.concrete_fields}
    data.update(_jsonable(extra or {}))
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields whose value differs."""
    keys = sorted(set(before) | set(after))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def _target_type(target: models.Model) -> ContentType:
    """Events of a multi-table child (a Service is an Entity) are kept under the root model, so one trail
    serves every view of the object."""
    parents = target._meta.get_parent_list()
    model = parents[-1] if parents else target._meta.model  # _meta, not type(): request.user is a lazy proxy
    return ContentType.objects.get_for_model(model)


def entry(
    *,
    actor,
    verb: str,
    target: models.Model | None = None,
    changes: dict[str, list[Any]] | None = None,
    message: str = "",
) -> AuditEvent:
    """One audit event, not yet written. `actor` may be None for the system (beat tasks, migrations)."""
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent(
        actor=actor_obj,
        actor_repr=actor_obj.get_username() if actor_obj else "system",
        verb=verb,
        target_type=_target_type(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        changes=_jsonable(changes or {}),
        message=message,
    )


def record(**kwargs) -> AuditEvent:
    """Write one audit event; the arguments are those of `entry()`."""
    event = entry(**kwargs)
    event.save()
    return event


def record_all(events: list[AuditEvent]) -> list[AuditEvent]:
    """Write several `entry()` events in one statement. A bulk insert sends no post_save signal, so the catalog's
    cache does not hear of them: use `record()` for events about catalog objects."""
    return AuditEvent.objects.bulk_create(events)


def record_change(
    *, actor, verb: str, instance: models.Model, before: dict[str, Any], extra: dict[str, Any] | None = None
) -> AuditEvent:
    """Record what changed on `instance` since `before` (a `snapshot()` taken earlier)."""
    return record(actor=actor, verb=verb, target=instance, changes=diff(before, snapshot(instance, extra)))


def events_for(instance: models.Model) -> models.QuerySet[AuditEvent]:
    """The trail of one object, newest first."""
    return AuditEvent.objects.filter(target_type=_target_type(instance), target_id=str(instance.pk)).select_related(
        "actor"
    )
