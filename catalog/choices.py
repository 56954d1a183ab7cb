"""Choices of the catalog, as TextChoices with string values."""

from django.db import models


class MembershipRole(models.TextChoices):
    MEMBER = "member", "Engineer"
    SUBTEAM_LEAD = "subteam_lead", "Subteam lead"
    LEAD = "lead", "Lead"
