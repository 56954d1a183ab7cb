"""Cycles: some build weeks, then a cool-down, moved through shaping, betting, building, cool-down, done."""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from planning.choices import CycleState

__all__ = ["Cycle"]


class Cycle(models.Model):
    """One Shape Up cycle; only the lead creates it and moves it on."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    start_date = models.DateField(help_text="The first day of the build weeks")
    build_weeks = models.PositiveSmallIntegerField(default=6, validators=[MinValueValidator(1), MaxValueValidator(12)])
    cooldown_weeks = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(0), MaxValueValidator(4)]
    )
    state = models.CharField(max_length=20, choices=CycleState.choices, default=CycleState.SHAPING, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(build_weeks__gte=1), name="%(app_label)s_%(class)s_build_weeks")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("planning:cycle-detail", args=[self.slug])

    @property
    def build_end(self) -> datetime.date:
        """The first day after the build weeks: from this day on, the circuit breaker has tripped."""
        return self.start_date + datetime.timedelta(weeks=self.build_weeks)

    @property
    def end_date(self) -> datetime.date:
        """The first day after the cool-down."""
        return self.build_end + datetime.timedelta(weeks=self.cooldown_weeks)
