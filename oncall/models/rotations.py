"""Rotations (the rule shifts are computed from), their participants, overrides, swaps and calendar feeds."""

import secrets
import zoneinfo
from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from catalog.models import Person, Team
from oncall.choices import Layer, SwapStatus, Weekday

__all__ = ["CalendarFeed", "Override", "Rotation", "RotationParticipant", "SwapRequest"]

MAX_SHIFT_DAYS = 28


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"'{value}' is not an IANA time zone, e.g. Europe/Berlin or UTC.")


class Rotation(models.Model):
    """A team's on-call rule: participants take shifts in order, handing off on a weekday at a local time.

    Shifts are never stored: shift k starts at (anchor + k * shift length) at the hand-off time, in the
    rotation's time zone, so a 09:00 hand-off stays at 09:00 local time across daylight-saving changes.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="rotations")
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    start_date = models.DateField(help_text="The first hand-off is on the first hand-off weekday from this date.")
    handoff_weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, default=Weekday.MONDAY)
    handoff_time = models.TimeField(default=time(9, 0), help_text="Local time in the rotation's time zone")
    shift_length_days = models.PositiveSmallIntegerField(default=7, help_text="Days per shift (1 to 28)")
    has_secondary = models.BooleanField(
        default=True, help_text="A secondary layer: the next participant in order backs the primary up."
    )
    ical_token = models.CharField(max_length=64, unique=True, default=new_feed_token, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["team__name", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(shift_length_days__gte=1, shift_length_days__lte=MAX_SHIFT_DAYS),
                name="%(app_label)s_%(class)s_shift_length_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("oncall:rotation-detail", args=[self.slug])

    def clean(self) -> None:
        if self.shift_length_days is not None and not 1 <= self.shift_length_days <= MAX_SHIFT_DAYS:
            raise ValidationError({"shift_length_days": f"A shift lasts 1 to {MAX_SHIFT_DAYS} days."})

    @property
    def layers(self) -> list[str]:
        return [Layer.PRIMARY, Layer.SECONDARY] if self.has_secondary else [Layer.PRIMARY]


class RotationParticipant(models.Model):
    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="rotation_places")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["rotation", "person"], name="%(app_label)s_%(class)s_person_once"),
            models.UniqueConstraint(fields=["rotation", "position"], name="%(app_label)s_%(class)s_position_once"),
        ]

    def __str__(self) -> str:
        return f"{self.position + 1}. {self.person}"


class Override(models.Model):
    """`person` covers a layer of a rotation from `starts_at` to `ends_at` (UTC), whoever the rule names."""

    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="overrides")
    layer = models.CharField(max_length=20, choices=Layer.choices, default=Layer.PRIMARY)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="oncall_overrides")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["rotation", "ends_at", "starts_at"], name="oncall_override_range_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="%(app_label)s_%(class)s_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} covers {self.get_layer_display().lower()} of {self.rotation}"


class SwapRequest(models.Model):
    """One participant proposes to trade a shift with another; accepting turns it into two overrides."""

    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="swaps")
    layer = models.CharField(max_length=20, choices=Layer.choices, default=Layer.PRIMARY)
    requester = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="swaps_requested")
    requester_shift_start = models.DateTimeField(help_text="Start of the requester's shift to give away")
    counterpart = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="swaps_offered")
    counterpart_shift_start = models.DateTimeField(help_text="Start of the counterpart's shift taken in exchange")
    message = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=20, choices=SwapStatus.choices, default=SwapStatus.PROPOSED)
    overrides = models.ManyToManyField(Override, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"Swap {self.requester} ⇄ {self.counterpart} ({self.get_status_display()})"


class CalendarFeed(models.Model):
    """The secret token of a person's own on-call calendar (all their shifts, all rotations)."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="oncall_feed")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Calendar of {self.person}"
