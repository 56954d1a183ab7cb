"""An SLO's compliance, error budget, burn rates and status, summed by the database.

Event SLIs (every kind but freshness): two aggregates, plain sums over the SLO's window and FILTERed sums of
the five alert windows over the last 3 days. Each point counts as good/total events: its counts when it has
them, else value/100 of one event (ratio SLIs) or one event that is good when the value is within the
threshold (threshold SLIs).

Freshness: time-based. LEAD() pairs each heartbeat with the next one (or now); the data is late from
`refreshed_at + objective` until the next heartbeat, and the late time overlapping each window is summed.
"""

import calendar
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    F,
    Max,
    Min,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models import Window as SqlWindow
from django.db.models.functions import Abs, Coalesce, Greatest, Lead, Least, TruncHour, TruncMonth
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from catalog.models import FreshnessHeartbeat, SliMeasurement, Slo
from catalog.slo import budget
from catalog.slo.choices import SliKind, SloWindow

ZERO = timedelta(0)


@dataclass
class Evaluation:
    """What the SLO page, the API and the stored status show."""

    at: datetime
    status: str
    samples: int
    compliance: float | None  # percent of good events (or of time fresh) over the window
    budget: budget.ErrorBudget  # the whole window's budget
    budget_left_percent: float | None
    budget_left_minutes: float | None
    burn_rates: dict[str, float | None] = field(default_factory=dict)  # alert window -> burn rate
    firing: list[budget.BurnAlert] = field(default_factory=list)
    last_refresh: datetime | None = None  # freshness only
    age_seconds: float | None = None  # freshness only: time since the last refresh

    @property
    def late_seconds(self) -> float | None:
        """Freshness: how far past the objective the data is now (0 when fresh)."""
        return None if self.age_seconds is None else max(0.0, self.age_seconds - self._objective_seconds)

    _objective_seconds: float = 0.0


def _now(at: datetime):
    # A bound parameter: one instant for every row and every window of an evaluation.
    return Value(at, output_field=DateTimeField())


def window_start(slo: Slo, at: datetime):
    """The start of the SLO's window as a SQL expression over the database's clock (or `at`)."""
    now = _now(at)
    if slo.window == SloWindow.CALENDAR_MONTH:
        return TruncMonth(now, output_field=DateTimeField())
    return now - timedelta(days=slo.window_days)


def window_days(slo: Slo, at: datetime) -> int:
    if slo.window == SloWindow.CALENDAR_MONTH:
        local = timezone.localtime(at)
        return calendar.monthrange(local.year, local.month)[1]
    return slo.window_days


def _spans(slo: Slo, at: datetime) -> dict:
    now = _now(at)
    return {"window": window_start(slo, at), **{k: now - d for k, d in budget.ALERT_WINDOWS.items()}}


def _earliest(slo: Slo, at: datetime):
    return Least(window_start(slo, at), _now(at) - max(budget.ALERT_WINDOWS.values()))


#
# Event SLIs
#


def _plain_sums(slo: Slo, within: Q | None = None) -> dict:
    """What a set of points adds up to, as plain column sums (a single cheap pass over a million rows), limited
    to the points `within` a condition when given.

    A point with counts adds good/total; a value adds value/100 of one event (ratio SLIs), or one event that
    is good when the value is within the threshold (threshold SLIs).
    """
    sums = {"good": Sum("good", filter=within), "total": Sum("total", filter=within)}
    sums["values"] = Count("value", filter=within)
    if slo.is_ratio:
        sums["value_good"] = Sum("value", filter=within)
    else:
        measured = Abs("value") if slo.sli_kind == SliKind.VOLUME_ANOMALY else F("value")
        good_value = Q(LessThanOrEqual(measured, Value(float(slo.objective))))
        sums["value_good"] = Count("value", filter=good_value & within if within is not None else good_value)
    return sums


def _good_total(slo: Slo, groups: list[dict]) -> tuple[float, float]:
    good = sum(float(g["good"] or 0) for g in groups)
    total = sum(float(g["total"] or 0) + g["values"] for g in groups)
    value_good = sum(float(g["value_good"] or 0) for g in groups)
    return good + (value_good / 100 if slo.is_ratio else value_good), total


def _event_sums(slo: Slo, at: datetime) -> dict:
    """Two aggregates: plain sums over the SLO's window (one parallel pass over every point), and FILTERed sums
    of the alert windows over the last 3 days only (an index range), so a million points stay well under 500 ms.
    """
    now = _now(at)
    points = SliMeasurement.objects.filter(slo_id=slo.pk, timestamp__lte=now)
    whole = points.filter(timestamp__gte=window_start(slo, at)).aggregate(**_plain_sums(slo), samples=Count("pk"))
    recent = {}
    for key, delta in budget.ALERT_WINDOWS.items():
        for name, aggregate in _plain_sums(slo, Q(timestamp__gte=now - delta)).items():
            recent[f"{key}__{name}"] = aggregate
    recent_sums = points.filter(timestamp__gte=now - max(budget.ALERT_WINDOWS.values())).aggregate(**recent)
    result = {"samples": whole.pop("samples")}
    result["good_window"], result["total_window"] = _good_total(slo, [whole])
    for key in budget.ALERT_WINDOWS:
        group = {name: recent_sums[f"{key}__{name}"] for name in _plain_sums(slo)}
        result[f"good_{key}"], result[f"total_{key}"] = _good_total(slo, [group])
    return result


def _error_ratio(good: float | None, total: float | None) -> float | None:
    if not total:
        return None
    return max(0.0, 1 - (good or 0) / total)


#
# Freshness
#


def heartbeats_of(slo: Slo):
    qs = FreshnessHeartbeat.objects.filter(entity_id=slo.entity_id)
    return qs.filter(dataset=slo.dataset) if slo.dataset else qs


def _late_rows(slo: Slo, at: datetime):
    """Heartbeats from the last one before the earliest window on, each with the next one (or now)."""
    now = _now(at)
    beats = heartbeats_of(slo)
    earliest = _earliest(slo, at)
    last_before = beats.filter(refreshed_at__lte=earliest).order_by("-refreshed_at").values("refreshed_at")[:1]
    rows = beats.filter(refreshed_at__gte=Coalesce(Subquery(last_before), earliest))
    return rows.annotate(
        following=SqlWindow(Lead("refreshed_at", default=now), order_by=F("refreshed_at").asc()),
        late_from=F("refreshed_at") + timedelta(hours=slo.objective),
    ), now


def _freshness_sums(slo: Slo, at: datetime) -> dict:
    rows, now = _late_rows(slo, at)
    aggregates = {"first": Min("refreshed_at"), "last": Max("refreshed_at"), "samples": Count("pk")}
    for key, start in _spans(slo, at).items():
        overlap = Least(F("following"), now) - Greatest(F("late_from"), start)
        aggregates[f"late_{key}"] = Sum(
            Greatest(overlap, Value(ZERO), output_field=DurationField()), output_field=DurationField()
        )
    return rows.aggregate(**aggregates)


def _evaluate_freshness(slo: Slo, at: datetime) -> Evaluation:
    sums = _freshness_sums(slo, at)
    target = slo.target_percent
    days = window_days(slo, at)
    whole = budget.error_budget(target, days)
    first, last = sums["first"], sums["last"]
    starts = {"window": window_start_at(slo, at), **{k: at - d for k, d in budget.ALERT_WINDOWS.items()}}
    ratios = {}
    for key, start in starts.items():
        # The SLO's window counts time before the first heartbeat as fresh (so compliance and budget agree);
        # an alert window counts only the time it has observed.
        observed = (at - (start if key == "window" else max(start, first))).total_seconds() if first else 0
        late = (sums[f"late_{key}"] or ZERO).total_seconds()
        ratios[key] = min(1.0, late / observed) if observed > 0 else None
    late_minutes = (sums["late_window"] or ZERO).total_seconds() / 60
    left_minutes = whole.minutes - late_minutes if first else None
    left = None if left_minutes is None or not whole.minutes else 100 * left_minutes / whole.minutes
    rates = {key: budget.burn_rate(ratios[key], target) for key in budget.ALERT_WINDOWS}
    firing = budget.firing_alerts(rates)
    age = max(0.0, (at - last).total_seconds()) if last else None
    evaluation = Evaluation(
        at=at,
        status=budget.status_of(
            has_data=last is not None,
            budget_left=left,
            firing=firing,
            sla_breached=age is not None and age > slo.sla * 3600,
        ),
        samples=sums["samples"],
        compliance=None if ratios["window"] is None else 100 * (1 - ratios["window"]),
        budget=whole,
        budget_left_percent=left,
        budget_left_minutes=left_minutes,
        burn_rates=rates,
        firing=firing,
        last_refresh=last,
        age_seconds=age,
    )
    evaluation._objective_seconds = slo.objective * 3600
    return evaluation


def window_start_at(slo: Slo, at: datetime) -> datetime:
    if slo.window == SloWindow.CALENDAR_MONTH:
        local = timezone.localtime(at)
        return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return at - timedelta(days=slo.window_days)


def evaluate(slo: Slo, at: datetime | None = None) -> Evaluation:
    """Evaluate `slo` as of `at` (default: now), in one query."""
    at = at or timezone.now()
    if slo.sli_kind == SliKind.FRESHNESS:
        return _evaluate_freshness(slo, at)
    return _evaluate_events(slo, at)


def _evaluate_events(slo: Slo, at: datetime) -> Evaluation:
    sums = _event_sums(slo, at)
    target = slo.target_percent
    ratios = {key: _error_ratio(sums[f"good_{key}"], sums[f"total_{key}"]) for key in ["window", *budget.ALERT_WINDOWS]}
    whole = budget.error_budget(target, window_days(slo, at))
    left = budget.budget_left_percent(ratios["window"], target)
    rates = {key: budget.burn_rate(ratios[key], target) for key in budget.ALERT_WINDOWS}
    firing = budget.firing_alerts(rates)
    return Evaluation(
        at=at,
        status=budget.status_of(has_data=bool(sums["samples"]), budget_left=left, firing=firing, sla_breached=False),
        samples=sums["samples"],
        compliance=None if ratios["window"] is None else 100 * (1 - ratios["window"]),
        budget=whole,
        budget_left_percent=left,
        budget_left_minutes=None if left is None else whole.minutes * left / 100,
        burn_rates=rates,
        firing=firing,
    )


#
# Series for the SLO page's charts (bucketed by hour in SQL: at most 31 x 24 points)
#


@dataclass(frozen=True)
class Point:
    at: datetime
    sli: float | None  # percent good in the bucket (events) or the gap to the next refresh in hours (freshness)
    budget_left: float  # percent of the window's budget left at the end of the bucket


def series(slo: Slo, evaluation: Evaluation) -> list[Point]:
    if slo.sli_kind == SliKind.FRESHNESS:
        return _freshness_series(slo, evaluation)
    at = evaluation.at
    groups = (
        SliMeasurement.objects.filter(slo_id=slo.pk, timestamp__gte=window_start_at(slo, at), timestamp__lte=at)
        .annotate(hour=TruncHour("timestamp"))
        .values("hour")
        .annotate(**_plain_sums(slo))
        .order_by("hour")
    )
    rows = [(g["hour"], *_good_total(slo, [g])) for g in groups]
    allowed = (1 - slo.target_percent / 100) * sum(total for _hour, _good, total in rows)
    points, bad_so_far = [], 0.0
    for hour, good, total in rows:
        bad_so_far += total - good
        left = 100.0 if not allowed else 100 * (1 - bad_so_far / allowed)
        points.append(Point(hour, 100 * good / total if total else None, left))
    return points


MAX_FRESHNESS_POINTS = 2000


def _freshness_series(slo: Slo, evaluation: Evaluation) -> list[Point]:
    at = evaluation.at
    rows, now = _late_rows(slo, at)
    start = window_start_at(slo, at)
    overlap = Least(F("following"), now) - Greatest(F("late_from"), Value(start, output_field=DateTimeField()))
    rows = rows.annotate(
        gap=F("following") - F("refreshed_at"),
        late=Greatest(overlap, Value(ZERO), output_field=DurationField()),
    ).order_by("refreshed_at")
    points, late_so_far = [], 0.0
    budget_minutes = evaluation.budget.minutes
    for row in rows.values("refreshed_at", "gap", "late")[:MAX_FRESHNESS_POINTS]:
        late_so_far += row["late"].total_seconds() / 60
        left = 100.0 if not budget_minutes else 100 * (1 - late_so_far / budget_minutes)
        points.append(Point(max(row["refreshed_at"], start), row["gap"].total_seconds() / 3600, left))
    return points
