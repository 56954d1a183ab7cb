"""Statuses of a catalog entity's publication to DataHub."""

from django.db import models


class PublicationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PUBLISHED = "published", "Published"
    FAILED = "failed", "Failed"
