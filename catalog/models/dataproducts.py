"""Data products: consumers, output datasets, a data contract and a version history."""

import re

from django.core.exceptions import ValidationError
from django.db import models

from catalog.choices import DATA_PRODUCT_LIFECYCLES, EntityKind, FieldType
from catalog.models.entities import Entity
from catalog.models.teams import Person, Team

__all__ = ["ContractField", "DataProduct", "DataProductConsumer", "DataProductVersion", "OutputDataset"]

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?$")


def semver_key(version: str) -> tuple:
    """Sort key for semantic versions; a pre-release sorts before its release."""
    match = SEMVER.match(version)
    if not match:
        return (-1, -1, -1, 0, version)
    major, minor, patch, pre = match.groups()
    return (int(major), int(minor), int(patch), 0 if pre else 1, pre or "")


class DataProduct(Entity):
    """A dataset or model output with consumers, an SLA, documentation and a versioned contract."""

    documentation = models.TextField(blank=True, help_text="Markdown: what it is, how to use it")
    documentation_url = models.URLField(blank=True)
    # Until the SLO feature lands, the quality SLA is stated in words (R10 checks that it is there).
    quality_sla = models.CharField(max_length=300, blank=True, help_text="e.g. 'Refreshed before 7 AM daily'")

    class Meta:
        ordering = ["name"]

    def save(self, *args, **kwargs):
        self.kind = EntityKind.DATA_PRODUCT
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.lifecycle and self.lifecycle not in DATA_PRODUCT_LIFECYCLES:
            raise ValidationError({"lifecycle": f"A data product is one of: {', '.join(DATA_PRODUCT_LIFECYCLES)}."})


class DataProductConsumer(models.Model):
    """Who consumes a data product: a team or a named stakeholder."""

    data_product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="consumers")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=200, blank=True, help_text="e.g. 'Board revenue report'")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(team__isnull=False, person__isnull=True)
                    | models.Q(team__isnull=True, person__isnull=False)
                ),
                name="%(app_label)s_%(class)s_team_or_person",
            ),
        ]

    def __str__(self) -> str:
        return str(self.team or self.person)


class OutputDataset(models.Model):
    data_product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="output_datasets")
    name = models.CharField(max_length=200, help_text="e.g. lakehouse.finance.fct_daily_revenue")
    location = models.CharField(max_length=300, blank=True, help_text="e.g. iceberg://warehouse/finance/...")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["data_product", "name"], name="%(app_label)s_%(class)s_once")]

    def __str__(self) -> str:
        return self.name


class ContractField(models.Model):
    """One column of a data product's contract: its type and its quality rules."""

    data_product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="contract_fields")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=100)
    type = models.CharField(max_length=20, choices=FieldType.choices)
    nullable = models.BooleanField(default=False)
    description = models.CharField(max_length=300, blank=True)
    quality_rules = models.JSONField(default=list, blank=True, help_text='e.g. ["not_null", "min: 0"]')

    class Meta:
        ordering = ["position", "name"]
        constraints = [models.UniqueConstraint(fields=["data_product", "name"], name="%(app_label)s_%(class)s_once")]

    def __str__(self) -> str:
        return f"{self.name}: {self.type}"


class DataProductVersion(models.Model):
    data_product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(max_length=50, help_text="Semantic version, e.g. 1.4.0")
    changelog = models.TextField(blank=True, help_text="Markdown")
    released_at = models.DateField()

    class Meta:
        ordering = ["-released_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["data_product", "version"], name="%(app_label)s_%(class)s_once")]

    def __str__(self) -> str:
        return f"{self.data_product} {self.version}"

    def clean(self) -> None:
        if not SEMVER.match(self.version or ""):
            raise ValidationError({"version": "Use a semantic version: MAJOR.MINOR.PATCH, e.g. 1.4.0."})
