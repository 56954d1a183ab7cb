"""Token authentication for the API: knox's hashed tokens, with a last-used time for the tokens page."""

from datetime import timedelta

from django.utils import timezone
from knox.auth import TokenAuthentication

from portal.models import ApiToken

LAST_USED_RESOLUTION = timedelta(minutes=1)  # write at most once a minute per token


class ApiTokenAuthentication(TokenAuthentication):
    def _cleanup_token(self, auth_token) -> bool:
        # knox reads all of the user's tokens on every request to delete the expired ones: a query per request.
        # Only this token's expiry matters here; expired tokens are refused, and listed as such on the tokens page.
        return auth_token.expiry is not None and auth_token.expiry < timezone.now()

    def authenticate_credentials(self, token: bytes):
        user, auth_token = super().authenticate_credentials(token)
        now = timezone.now()
        if auth_token.last_used is None or now - auth_token.last_used > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=auth_token.pk).update(last_used=now)
        return user, auth_token
