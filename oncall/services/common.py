"""Helpers the on-call services share: audit payloads for created rows, field errors."""

from django.core.exceptions import ValidationError
from django.db import models

from portal import audit


def created_changes(instance: models.Model, extra: dict | None = None) -> dict:
    """{field: [None, value]} for a new row, so the trail shows what it was created with."""
    return {k: [None, v] for k, v in audit.snapshot(instance, extra).items()}


def field_error(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def full_clean(instance: models.Model, exclude: list[str] | None = None) -> None:
    """Model validation with errors keyed by field, as the forms and the API report them."""
    instance.full_clean(exclude=exclude, validate_unique=True)
