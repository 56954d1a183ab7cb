"""Writes owned by the project package: API tokens."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal import audit
from portal.models import ApiToken

MAX_TOKEN_DAYS = 3650


@transaction.atomic
def api_token_create(*, actor, user, name: str, expires_in_days: int | None = None) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns the row and the secret, which is never stored and shown once."""
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = ["Give the token a name, e.g. 'CI pipeline'."]
    elif len(name) > 100:
        errors["name"] = ["Ensure this value has at most 100 characters."]
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_TOKEN_DAYS:
        errors["expires_in_days"] = [f"Choose between 1 and {MAX_TOKEN_DAYS} days, or no expiry."]
    if errors:
        raise ValidationError(errors)
    expiry = timedelta(days=expires_in_days) if expires_in_days else None
    token, secret = ApiToken.objects.create(user=user, expiry=expiry, name=name)
    audit.record(
        actor=actor,
        verb="api_token.created",
        target=user,
        message=f"token '{name}' ({token.token_key}…)"
        + (f", expires {token.expiry:%Y-%m-%d}" if token.expiry else ", no expiry"),
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor, token: ApiToken) -> None:
    audit.record(
        actor=actor,
        verb="api_token.revoked",
        target=token.user,
        message=f"token '{token.name}' ({token.token_key}…)",
    )
    token.delete()


def api_token_list(*, user) -> list[ApiToken]:
    now = timezone.now()
    tokens = list(ApiToken.objects.filter(user=user).order_by("-created"))
    for token in tokens:
        token.is_expired = bool(token.expiry and token.expiry < now)
    return tokens
