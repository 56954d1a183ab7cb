"""Token authentication for the API: knox's hashed tokens, with a last-used time for the tokens page."""

import binascii
from datetime import timedelta
from hmac import compare_digest

from django.contrib.auth import get_user_model
from django.utils import timezone
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.settings import CONSTANTS, knox_settings
from rest_framework.exceptions import AuthenticationFailed

from portal import prepared
from portal.api.checked_tokens import checked_tokens
from portal.models import ApiToken

LAST_USED_RESOLUTION = timedelta(minutes=1)  # write at most once a minute per token
INVALID = "Invalid token."  # knox's message


class ApiTokenAuthentication(TokenAuthentication):
    """knox's check of a presented token, reading the candidate tokens with their users in one prepared query
    (every API request authenticates: building that query with the ORM cost more than running it)."""

    def authenticate_credentials(self, token: bytes):
        try:
            text = token.decode("utf-8")
            digest = hash_token(text)
        except (UnicodeDecodeError, TypeError, binascii.Error):
            raise AuthenticationFailed(INVALID) from None
        for auth_token in tokens_by_key(text[: CONSTANTS.TOKEN_KEY_LENGTH]):
            if self._cleanup_token(auth_token) or not compare_digest(digest, auth_token.digest):
                continue
            if knox_settings.AUTO_REFRESH and auth_token.expiry:
                self.renew_token(auth_token)
            user, auth_token = self.validate_user(auth_token)
            now = timezone.now()
            if auth_token.last_used is None or now - auth_token.last_used > LAST_USED_RESOLUTION:
                ApiToken.objects.filter(pk=auth_token.pk).update(last_used=now)
                checked_tokens.discard(auth_token.token_key)  # the kept row has the old time
            return user, auth_token
        raise AuthenticationFailed(INVALID)

    def _cleanup_token(self, auth_token) -> bool:
        # knox reads all of the user's tokens on every request to delete the expired ones: a query per request.
        # Only this token's expiry matters here; expired tokens are refused, and listed as such on the tokens page.
        return auth_token.expiry is not None and auth_token.expiry < timezone.now()


TOKEN_FIELDS = prepared.field_names(ApiToken)
USER_FIELDS = prepared.field_names(get_user_model())


def _candidates(keys):
    return ApiToken.objects.filter(token_key__in=keys).values_list(
        *TOKEN_FIELDS, *(f"user__{name}" for name in USER_FIELDS)
    )


def tokens_by_key(key: str) -> list[ApiToken]:
    """The tokens whose first characters are `key` (knox stores those in clear), each with its user: new
    instances, built from the rows this process keeps (checked_tokens.py) or reads."""
    found = []
    for row in checked_tokens.rows(key, lambda: prepared.values_list(_candidates, [key])):
        token = ApiToken.from_db("default", TOKEN_FIELDS, row[: len(TOKEN_FIELDS)])
        token.user = get_user_model().from_db("default", USER_FIELDS, row[len(TOKEN_FIELDS) :])
        found.append(token)
    return found
