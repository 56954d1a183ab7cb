"""Escalation policies (R4): ordered steps, each paged until its timeout passes unacknowledged."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from catalog.models import Person, Team
from oncall.choices import DEFAULT_STEP_TIMEOUT_MINUTES, StepKind

__all__ = ["EscalationPolicy", "EscalationStep"]


class EscalationPolicy(models.Model):
    """A team's escalation path; subteams without their own use their parent's (e.g. the lead's)."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="escalation_policy")
    name = models.CharField(max_length=100)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["team__name"]
        verbose_name_plural = "escalation policies"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("oncall:policy-detail", args=[self.team.slug])


class EscalationStep(models.Model):
    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=StepKind.choices)
    # Names the domain expert or manager; left empty, the team's subteam lead or nearest lead is paged.
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    timeout_minutes = models.PositiveSmallIntegerField(default=DEFAULT_STEP_TIMEOUT_MINUTES)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "position"], name="%(app_label)s_%(class)s_position_once"),
            models.CheckConstraint(
                condition=models.Q(timeout_minutes__gte=1), name="%(app_label)s_%(class)s_timeout_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position + 1}. {self.get_kind_display()} ({self.timeout_minutes} min)"

    def clean(self) -> None:
        if self.timeout_minutes is not None and not 1 <= self.timeout_minutes <= 1440:
            raise ValidationError({"timeout_minutes": "A step waits 1 to 1440 minutes before escalating."})
