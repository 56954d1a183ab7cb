"""Incident metrics, computed in the database: MTTR by severity (R6), incidents by team and month,
repeat-incident rate, postmortems on time (R5), action items done (R12)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Avg, Count, DateTimeField, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.db.models.functions import TruncMonth

from catalog.models import Team
from oncall import rules
from oncall.choices import MTTR_TARGETS, ActionItemStatus, Severity
from oncall.models import ActionItem, Incident


@dataclass(frozen=True)
class MttrRow:
    severity: str
    label: str
    resolved: int
    mttr: timedelta | None
    target: timedelta | None

    @property
    def meets_target(self) -> bool | None:
        if self.mttr is None or self.target is None:
            return None
        return self.mttr <= self.target


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def incident_metrics(*, since: datetime, until: datetime, today: date, team: Team | None = None) -> dict:
    """Every figure of the incidents dashboard for incidents started in [since, until)."""
    incidents = Incident.objects.filter(started_at__gte=since, started_at__lt=until)
    if team is not None:
        incidents = incidents.filter(team=team)
    restore = ExpressionWrapper(F("resolved_at") - F("started_at"), output_field=DurationField())
    by_severity = {
        row["severity"]: row
        for row in incidents.filter(resolved_at__isnull=False)
        .values("severity")
        .annotate(n=Count("id"), mttr=Avg(restore, output_field=DurationField()))
    }
    mttr = [
        MttrRow(
            s.value, s.label, by_severity.get(s, {}).get("n", 0), by_severity.get(s, {}).get("mttr"), MTTR_TARGETS[s]
        )
        for s in Severity
    ]
    by_team_month = list(
        incidents.annotate(month=TruncMonth("started_at"))
        .values("month", "team__name")
        .annotate(n=Count("id"))
        .order_by("month", "team__name")
    )
    # A repeat: an earlier incident with the same root-cause category started within the 90 days before.
    earlier_same_cause = Incident.objects.filter(
        root_cause_category=OuterRef("root_cause_category"),
        started_at__lt=OuterRef("started_at"),
        started_at__gte=ExpressionWrapper(OuterRef("started_at") - rules.REPEAT_WINDOW, output_field=DateTimeField()),
    )
    repeats = (
        incidents.exclude(root_cause_category="")
        .annotate(is_repeat=Exists(earlier_same_cause))
        .aggregate(total=Count("id"), repeats=Count("id", filter=Q(is_repeat=True)))
    )
    due = incidents.filter(severity__in=rules.POSTMORTEM_REQUIRED_FOR, resolved_at__isnull=False)
    due = due.filter(Q(resolved_at__lt=until - rules.POSTMORTEM_DUE_AFTER) | Q(postmortem__published_at__isnull=False))
    on_time = due.aggregate(
        total=Count("id"),
        on_time=Count(
            "id",
            filter=Q(
                postmortem__published_at__lte=ExpressionWrapper(
                    F("resolved_at") + rules.POSTMORTEM_DUE_AFTER, output_field=DateTimeField()
                )
            ),
        ),
    )
    items = ActionItem.objects.filter(postmortem__incident__in=incidents).aggregate(
        total=Count("id"),
        done=Count("id", filter=Q(status=ActionItemStatus.DONE)),
        overdue=Count("id", filter=Q(deadline__lt=today) & ~Q(status=ActionItemStatus.DONE)),
    )
    return {
        "since": since,
        "until": until,
        "total": incidents.count(),
        "mttr": mttr,
        "by_team_month": by_team_month,
        "repeat": {**repeats, "rate": _ratio(repeats["repeats"], repeats["total"]), "target": rules.REPEAT_RATE_TARGET},
        "postmortems": {**on_time, "rate": _ratio(on_time["on_time"], on_time["total"])},
        "action_items": {**items, "rate": _ratio(items["done"], items["total"])},
    }
