"""SLOs on services and data products, their SLI measurements and freshness heartbeats (DESIGN section 2)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from catalog.models.entities import Entity
from catalog.slo import rules
from catalog.slo.choices import RATIO_KINDS, ROLLING_DAYS, UNITS, SliKind, SloStatus, SloWindow

__all__ = ["FreshnessHeartbeat", "SliMeasurement", "Slo"]


class Slo(models.Model):
    """An objective on one SLI of an entity, with the SLA promised to stakeholders (always looser, R8)."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="slos")
    sli_kind = models.CharField(max_length=30, choices=SliKind.choices)
    dataset = models.CharField(
        max_length=200, blank=True, help_text="Freshness only: one output dataset; blank counts every dataset"
    )
    objective = models.FloatField(help_text="Percent for ratio SLIs; an upper bound (hours, z, ms) for the others")
    sla = models.FloatField(help_text="What stakeholders are promised, in the objective's unit")
    target = models.FloatField(null=True, blank=True, help_text="Threshold SLIs: percent of time/events within it")
    window = models.CharField(max_length=20, choices=SloWindow.choices, default=SloWindow.ROLLING_30D)
    description = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    # The last evaluation, computed in SQL by catalog.slo.compute: after each ingestion and every few minutes.
    # Lists, filters and the dashboard read these; the SLO page computes afresh.
    status = models.CharField(max_length=20, choices=SloStatus.choices, default=SloStatus.NO_DATA, db_index=True)
    compliance = models.FloatField(null=True, blank=True)
    budget_left_percent = models.FloatField(null=True, blank=True)
    budget_left_minutes = models.FloatField(null=True, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["entity__name", "sli_kind", "dataset"]
        verbose_name = "SLO"
        constraints = [
            models.UniqueConstraint(fields=["entity", "sli_kind", "dataset"], name="%(app_label)s_%(class)s_once"),
        ]

    def __str__(self) -> str:
        suffix = f" ({self.dataset})" if self.dataset else ""
        return f"{self.entity.name} {self.get_sli_kind_display().lower()}{suffix}"

    def get_absolute_url(self) -> str:
        return reverse("catalog:slo-detail", args=[self.pk])

    def clean(self) -> None:
        problems = rules.objective_problems(
            sli_kind=self.sli_kind, objective=self.objective, sla=self.sla, target=self.target
        )
        if self.sli_kind in RATIO_KINDS:
            self.target = None  # the objective is the target
        if self.dataset and self.sli_kind != SliKind.FRESHNESS:
            problems["dataset"] = "Only a freshness SLO is about one dataset; leave it blank."
        if problems:
            raise ValidationError(problems)

    @property
    def is_ratio(self) -> bool:
        return self.sli_kind in RATIO_KINDS

    @property
    def target_percent(self) -> float:
        """The share of good events (or of time) the SLO asks for: what the error budget is counted from."""
        return self.objective if self.is_ratio else self.target

    @property
    def unit(self) -> str:
        return UNITS[self.sli_kind]

    @property
    def window_days(self) -> int | None:
        return ROLLING_DAYS.get(self.window)


class SliMeasurement(models.Model):
    """One SLI point: a value (percent, z-score, ms) or good and total event counts, at a time."""

    slo = models.ForeignKey(Slo, on_delete=models.CASCADE, related_name="measurements")
    timestamp = models.DateTimeField()
    value = models.FloatField(null=True, blank=True)
    good = models.BigIntegerField(null=True, blank=True)
    total = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            # Idempotent ingestion: a point is keyed by its SLO and its time.
            models.UniqueConstraint(fields=["slo", "timestamp"], name="%(app_label)s_%(class)s_once"),
            models.CheckConstraint(
                condition=(
                    models.Q(value__isnull=False, good__isnull=True, total__isnull=True)
                    | models.Q(
                        value__isnull=True,
                        good__isnull=False,
                        total__isnull=False,
                        good__gte=0,
                        good__lte=models.F("total"),
                    )
                ),
                name="%(app_label)s_%(class)s_value_or_counts",
            ),
        ]

    def __str__(self) -> str:
        what = f"{self.value:g}" if self.value is not None else f"{self.good}/{self.total}"
        return f"{self.slo_id} {self.timestamp:%Y-%m-%d %H:%M} {what}"


class FreshnessHeartbeat(models.Model):
    """A data product (or one of its datasets) was refreshed at this time."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="freshness_heartbeats")
    dataset = models.CharField(max_length=200, blank=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entity", "dataset", "refreshed_at"], name="%(app_label)s_%(class)s_once"),
        ]
        indexes = [models.Index(fields=["entity", "refreshed_at"], name="catalog_heartbeat_entity_idx")]

    def __str__(self) -> str:
        return f"{self.entity_id} {self.dataset or '*'} {self.refreshed_at:%Y-%m-%d %H:%M}"
