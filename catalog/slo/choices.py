"""Choices of SLOs: the SLI kinds, the windows and the statuses."""

from django.db import models


class SliKind(models.TextChoices):
    FRESHNESS = "freshness", "Freshness"
    COMPLETENESS = "completeness", "Completeness"
    VOLUME_ANOMALY = "volume_anomaly", "Volume anomaly (z-score)"
    PIPELINE_SUCCESS = "pipeline_success", "Pipeline success rate"
    AVAILABILITY = "availability", "Availability"
    LATENCY = "latency", "Latency"


# Ratio SLIs: the objective and the SLA are percentages of good events (higher is better).
RATIO_KINDS = frozenset({SliKind.COMPLETENESS, SliKind.PIPELINE_SUCCESS, SliKind.AVAILABILITY})
# Threshold SLIs: the objective and the SLA are upper bounds (lower is better); `target` says how often they hold.
THRESHOLD_KINDS = frozenset({SliKind.FRESHNESS, SliKind.VOLUME_ANOMALY, SliKind.LATENCY})

UNITS = {
    SliKind.FRESHNESS: "h",
    SliKind.COMPLETENESS: "%",
    SliKind.VOLUME_ANOMALY: "z",
    SliKind.PIPELINE_SUCCESS: "%",
    SliKind.AVAILABILITY: "%",
    SliKind.LATENCY: "ms",
}


class SloWindow(models.TextChoices):
    ROLLING_7D = "rolling_7d", "Rolling 7 days"
    ROLLING_30D = "rolling_30d", "Rolling 30 days"
    CALENDAR_MONTH = "calendar_month", "Calendar month"


ROLLING_DAYS = {SloWindow.ROLLING_7D: 7, SloWindow.ROLLING_30D: 30}


class SloStatus(models.TextChoices):
    OK = "ok", "OK"
    AT_RISK = "at_risk", "At risk"
    BREACHED = "breached", "Breached"
    NO_DATA = "no_data", "No data"
