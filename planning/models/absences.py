"""Absences (leave, training, conferences): build weeks a person is not there, taken off capacity."""

from django.db import models

__all__ = ["Absence"]


class Absence(models.Model):
    person = models.ForeignKey("catalog.Person", on_delete=models.CASCADE, related_name="planning_absences")
    start_date = models.DateField()
    end_date = models.DateField(help_text="The last day away (inclusive)")
    reason = models.CharField(max_length=200, blank=True, help_text="e.g. 'Vacation', 'Conference'")

    class Meta:
        ordering = ["start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")), name="%(app_label)s_%(class)s_dates_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} away {self.start_date}–{self.end_date}"
