"""Ownership as RACI: a team or a person is Responsible, Accountable, Consulted or Informed for an entity."""

from django.db import models

from catalog.choices import RaciRole
from catalog.models.entities import Entity
from catalog.models.teams import Person, Team

__all__ = ["Ownership"]


class Ownership(models.Model):
    """One party's RACI role on one entity. R9 (one A, at least one R) is checked on the whole set in rules.py."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="ownerships")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="ownerships")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="ownerships")
    role = models.CharField(max_length=1, choices=RaciRole.choices)

    class Meta:
        ordering = ["role", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(team__isnull=False, person__isnull=True)
                    | models.Q(team__isnull=True, person__isnull=False)
                ),
                name="%(app_label)s_%(class)s_team_or_person",
            ),
            # The database backs rule R9's "exactly one Accountable" too.
            models.UniqueConstraint(
                fields=["entity"], condition=models.Q(role="A"), name="%(app_label)s_%(class)s_one_accountable"
            ),
            # A party may hold several roles (a team both Accountable and Responsible), each once.
            models.UniqueConstraint(
                fields=["entity", "team", "role"],
                condition=models.Q(team__isnull=False),
                name="%(app_label)s_%(class)s_team_role_once",
            ),
            models.UniqueConstraint(
                fields=["entity", "person", "role"],
                condition=models.Q(person__isnull=False),
                name="%(app_label)s_%(class)s_person_role_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.party} is {self.get_role_display()} for {self.entity}"

    @property
    def party(self) -> Team | Person:
        return self.team or self.person
