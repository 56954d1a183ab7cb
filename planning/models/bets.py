"""Bets of pitches on a cycle, their scopes, and every hill-chart move of each scope."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from planning.choices import BetStatus
from planning.models.cycles import Cycle
from planning.models.pitches import Pitch

__all__ = ["Bet", "HillUpdate", "Scope"]

POSITION_RANGE = models.Q(position__gte=0, position__lte=100)


class Bet(models.Model):
    """A pitch bet on a cycle, given to a subteam and some of its people."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="bets")
    pitch = models.ForeignKey(Pitch, on_delete=models.PROTECT, related_name="bets")
    team = models.ForeignKey("catalog.Team", on_delete=models.PROTECT, related_name="planning_bets")
    people = models.ManyToManyField("catalog.Person", related_name="planning_bets")
    status = models.CharField(max_length=20, choices=BetStatus.choices, default=BetStatus.BUILDING, db_index=True)
    reason = models.TextField(blank=True, help_text="Why the lead placed it although it over-commits the team")
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    placed_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True, help_text="When it shipped or the breaker cut it")

    class Meta:
        ordering = ["team__name", "pitch__title"]
        constraints = [models.UniqueConstraint(fields=["cycle", "pitch"], name="%(app_label)s_%(class)s_once")]

    def __str__(self) -> str:
        return f"{self.pitch} ({self.cycle})"

    def get_absolute_url(self) -> str:
        return reverse("planning:bet-detail", args=[self.pk])


class Scope(models.Model):
    """A piece of a bet that can be finished on its own; it sits somewhere on the hill."""

    bet = models.ForeignKey(Bet, on_delete=models.CASCADE, related_name="scopes")
    title = models.CharField(max_length=200)
    # The latest position and when it last moved, kept beside the history so lists need no subquery.
    position = models.PositiveSmallIntegerField(default=0)
    moved_at = models.DateTimeField(default=timezone.now)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created", "id"]
        constraints = [
            models.CheckConstraint(condition=POSITION_RANGE, name="%(app_label)s_%(class)s_position_range"),
            models.UniqueConstraint(fields=["bet", "title"], name="%(app_label)s_%(class)s_once_per_bet"),
        ]

    def __str__(self) -> str:
        return self.title


class HillUpdate(models.Model):
    """One move of a scope on the hill, kept forever so the hill can be drawn at any past date."""

    scope = models.ForeignKey(Scope, on_delete=models.CASCADE, related_name="updates")
    position = models.PositiveSmallIntegerField()
    note = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=POSITION_RANGE, name="%(app_label)s_%(class)s_position_range"),
        ]
        indexes = [models.Index(fields=["scope", "recorded_at"], name="planning_hill_scope_time_idx")]

    def __str__(self) -> str:
        return f"{self.scope} at {self.position}"
