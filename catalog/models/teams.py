"""Teams (a tree), people (linked to logins) and who belongs where."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from catalog.choices import MembershipRole

__all__ = ["Membership", "Person", "Team"]


class Team(models.Model):
    """A team; subteams point at their parent (Data Infrastructure > Data Platform, ...)."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="subteams")
    description = models.TextField(blank=True)
    email = models.EmailField(blank=True)
    chat_channel = models.CharField(max_length=100, blank=True, help_text="e.g. #data-platform")
    # The team's members, as a Django group: object permissions (django-guardian) are granted to it.
    group = models.OneToOneField(
        "auth.Group", null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="team"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:team-detail", args=[self.slug])


class Person(models.Model):
    """Someone the catalog can name: an engineer, a lead or a business stakeholder."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="person"
    )
    full_name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=150, unique=True)
    title = models.CharField(max_length=150, blank=True)
    email = models.EmailField(blank=True)
    chat_handle = models.CharField(max_length=100, blank=True, help_text="e.g. @kim")

    class Meta:
        ordering = ["full_name"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("catalog:person-detail", args=[self.slug])


class Membership(models.Model):
    """A person's place in a team: engineer, subteam lead (a technical point of contact) or lead."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=MembershipRole.choices, default=MembershipRole.MEMBER)

    class Meta:
        ordering = ["team__name", "role", "person__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["person", "team"], name="%(app_label)s_%(class)s_once_per_team"),
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.team} ({self.get_role_display()})"
