"""Validation of SLI batches: measurements and freshness heartbeats. All or nothing, each error naming the item.

Errors read "measurements[3].good: 12 good events is more than the 10 in total", the shape the catalog API
uses for nested lists.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from catalog.slo.choices import RATIO_KINDS, SliKind

MAX_BATCH = 5000
MAX_CLOCK_SKEW = timedelta(minutes=5)  # a point from the future beyond this is a clock or unit error


@dataclass(frozen=True)
class CleanMeasurement:
    timestamp: datetime
    value: float | None
    good: int | None
    total: int | None


def _timestamp(raw, now: datetime) -> tuple[datetime | None, str | None]:
    if not isinstance(raw, str) or not raw.strip():
        return None, "required: an ISO 8601 time with a time zone, e.g. 2026-05-04T06:00:00Z"
    try:
        parsed = parse_datetime(raw.strip())
    except ValueError:
        parsed = None
    if parsed is None:
        return None, f"'{raw}' is not an ISO 8601 time, e.g. 2026-05-04T06:00:00Z"
    if timezone.is_naive(parsed):
        return None, f"'{raw}' has no time zone: add Z or an offset such as +02:00"
    if parsed > now + MAX_CLOCK_SKEW:
        return None, f"{parsed.isoformat()} is in the future (more than 5 minutes ahead of the portal's clock)"
    return parsed, None


def _number(raw) -> tuple[float | None, str | None]:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None, f"{raw!r} is not a number"
    if not math.isfinite(raw):
        return None, f"{raw} is not a finite number"
    return float(raw), None


def _count(raw) -> tuple[int | None, str | None]:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or (isinstance(raw, float) and not raw.is_integer()):
        return None, f"{raw!r} is not a whole number of events"
    if raw < 0:
        return None, f"{raw} is negative: counts start at 0"
    return int(raw), None


def _items(raw, name: str) -> list:
    if not isinstance(raw, list) or not raw:
        raise ValidationError({name: [f"Send a non-empty list of {name}."]})
    if len(raw) > MAX_BATCH:
        raise ValidationError({name: [f"At most {MAX_BATCH} {name} per request, not {len(raw)}: split the batch."]})
    return raw


def clean_measurements(raw, *, sli_kind: str, now: datetime | None = None) -> list[CleanMeasurement]:
    """Check a batch for an SLO of `sli_kind`; raise ValidationError({"measurements": [...]}) listing every problem."""
    if sli_kind == SliKind.FRESHNESS:
        raise ValidationError(
            {"measurements": ["A freshness SLO is measured from heartbeats: POST them to /api/v1/catalog/freshness/."]}
        )
    now = now or timezone.now()
    errors: list[str] = []
    clean: list[CleanMeasurement] = []
    seen: dict[datetime, int] = {}
    for i, item in enumerate(_items(raw, "measurements")):
        where = f"measurements[{i}]"
        if not isinstance(item, dict):
            errors.append(f"{where}: an object with timestamp and value, or timestamp, good and total")
            continue
        unknown = sorted(set(item) - {"timestamp", "value", "good", "total"})
        if unknown:
            errors.append(f"{where}: unknown field(s) {', '.join(unknown)}")
        timestamp, problem = _timestamp(item.get("timestamp"), now)
        if problem:
            errors.append(f"{where}.timestamp: {problem}")
        elif timestamp in seen:
            errors.append(f"{where}.timestamp: the same time as measurements[{seen[timestamp]}]")
        else:
            seen[timestamp] = i
        has_value, has_counts = "value" in item, "good" in item or "total" in item
        value = good = total = None
        if has_value == has_counts:
            errors.append(f"{where}: give either a value, or good and total event counts")
        elif has_value:
            value, problem = _number(item["value"])
            if problem:
                errors.append(f"{where}.value: {problem}")
            elif sli_kind in RATIO_KINDS and not 0 <= value <= 100:
                errors.append(f"{where}.value: {value:g} is not a percentage between 0 and 100")
            elif sli_kind == SliKind.LATENCY and value < 0:
                errors.append(f"{where}.value: a latency of {value:g} ms is negative")
        else:
            for name in ("good", "total"):
                if name not in item:
                    errors.append(f"{where}.{name}: required with {'total' if name == 'good' else 'good'}")
            good, good_problem = _count(item.get("good", 0))
            total, total_problem = _count(item.get("total", 0))
            if "good" in item and good_problem:
                errors.append(f"{where}.good: {good_problem}")
            if "total" in item and total_problem:
                errors.append(f"{where}.total: {total_problem}")
            if good is not None and total is not None and good > total:
                errors.append(f"{where}.good: {good} good events is more than the {total} in total")
        if timestamp is not None:
            clean.append(CleanMeasurement(timestamp, value, good, total))
    if errors:
        raise ValidationError({"measurements": errors})
    return clean


@dataclass(frozen=True)
class CleanHeartbeat:
    data_product: str
    dataset: str
    refreshed_at: datetime


def clean_heartbeats(raw, *, now: datetime | None = None) -> list[CleanHeartbeat]:
    """Shapes only; the service resolves data products and datasets (and names the item when one is unknown)."""
    now = now or timezone.now()
    errors: list[str] = []
    clean: list[CleanHeartbeat] = []
    for i, item in enumerate(_items(raw, "heartbeats")):
        where = f"heartbeats[{i}]"
        if not isinstance(item, dict):
            errors.append(f"{where}: an object with refreshed_at and data_product or dataset")
            continue
        unknown = sorted(set(item) - {"data_product", "dataset", "refreshed_at"})
        if unknown:
            errors.append(f"{where}: unknown field(s) {', '.join(unknown)}")
        product, dataset = item.get("data_product") or "", item.get("dataset") or ""
        if not isinstance(product, str) or not isinstance(dataset, str):
            errors.append(f"{where}: data_product and dataset are strings")
            continue
        if not product and not dataset:
            errors.append(f"{where}.data_product: name the data product (slug) or the dataset")
        refreshed_at, problem = _timestamp(item.get("refreshed_at"), now)
        if problem:
            errors.append(f"{where}.refreshed_at: {problem}")
        if refreshed_at is not None and (product or dataset):
            clean.append(CleanHeartbeat(product.strip(), dataset.strip(), refreshed_at))
    if errors:
        raise ValidationError({"heartbeats": errors})
    return clean
