"""Catalog entities: services (platform components, pipelines, models, ...) and data products.

Both are an `Entity` (multi-table inheritance), so ownership, dependencies, runbooks, SLOs, incidents and
bets point at one table whatever the kind.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from catalog.choices import SERVICE_KINDS, SERVICE_LIFECYCLES, EntityKind, Lifecycle, Tier

__all__ = ["Dependency", "Domain", "Entity", "Service", "System"]


class Domain(models.Model):
    """A business area (Finance, Marketing, ...) the catalog can be browsed by."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class System(models.Model):
    """Services and data products that together deliver one capability (e.g. the lakehouse)."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    domain = models.ForeignKey(Domain, null=True, blank=True, on_delete=models.SET_NULL, related_name="systems")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Entity(models.Model):
    """Anything the catalog owns and tracks: the common part of services and data products."""

    kind = models.CharField(max_length=30, choices=EntityKind.choices, db_index=True)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True, help_text="Markdown")
    tier = models.PositiveSmallIntegerField(choices=Tier.choices, default=Tier.TIER_3, db_index=True)
    lifecycle = models.CharField(max_length=20, choices=Lifecycle.choices, db_index=True)
    domain = models.ForeignKey(Domain, null=True, blank=True, on_delete=models.SET_NULL, related_name="entities")
    system = models.ForeignKey(System, null=True, blank=True, on_delete=models.SET_NULL, related_name="entities")
    depends_on = models.ManyToManyField(
        "self", through="Dependency", symmetrical=False, related_name="dependents", blank=True
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "entities"
        indexes = [
            models.Index(fields=["kind", "name"], name="catalog_entity_kind_name_idx"),
            # Lists of services and data products page in name order over this index alone (kind tells them
            # apart), rather than sorting them all: see catalog/api/read_model.py.
            models.Index(fields=["name", "id"], include=["kind"], name="catalog_entity_name_id_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        if self.is_data_product:
            return reverse("catalog:dataproduct-detail", args=[self.slug])
        return reverse("catalog:service-detail", args=[self.slug])

    @property
    def is_data_product(self) -> bool:
        return self.kind == EntityKind.DATA_PRODUCT


class Service(Entity):
    """A platform component, pipeline, ML model, dashboard, API or Kafka topic."""

    repository_url = models.URLField(blank=True)
    docs_url = models.URLField(blank=True)

    class Meta:
        ordering = ["name"]

    def clean(self) -> None:
        errors = {}
        if self.kind not in dict(SERVICE_KINDS):
            errors["kind"] = f"Choose one of: {', '.join(dict(SERVICE_KINDS))}."
        if self.lifecycle not in SERVICE_LIFECYCLES:
            errors["lifecycle"] = f"A service is one of: {', '.join(SERVICE_LIFECYCLES)}."
        if errors:
            raise ValidationError(errors)


class Dependency(models.Model):
    """`source` depends on `target` (e.g. a pipeline on Kafka, a dashboard on a data product)."""

    source = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="dependency_links")
    target = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="dependent_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="%(app_label)s_%(class)s_once"),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="%(app_label)s_%(class)s_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} depends on {self.target}"
