"""Sign-in: everything but the public paths needs a session; SSO through OpenID Connect when configured."""

from django.conf import settings
from django.contrib.auth import middleware
from django.contrib.auth.models import Group

from portal.roles import ALL_ROLES

# The API authenticates on its own (token or session, 401 not a redirect); probes and static files are public.
PUBLIC_PATH_PREFIXES = ("/api/v1/", "/api/schema/", "/healthz", "/readyz", "/metrics", "/static/", "/oidc/")


class LoginRequiredMiddleware(middleware.LoginRequiredMiddleware):
    """Django's LoginRequiredMiddleware, with the public paths above exempt."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith(PUBLIC_PATH_PREFIXES):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


def _oidc_backend_base():
    # Imported only when SSO is configured, so the package stays optional at run time.
    from mozilla_django_oidc.auth import OIDCAuthenticationBackend

    return OIDCAuthenticationBackend


if getattr(settings, "OIDC_ENABLED", False):

    class PortalOIDCBackend(_oidc_backend_base()):
        """Creates portal users from the identity provider's claims, in the role named by OIDC_DEFAULT_ROLE."""

        def create_user(self, claims):
            user = super().create_user(claims)
            user.first_name = claims.get("given_name", "")
            user.last_name = claims.get("family_name", "")
            user.save(update_fields=["first_name", "last_name"])
            role = getattr(settings, "OIDC_DEFAULT_ROLE", "stakeholder")
            if role in ALL_ROLES:
                user.groups.add(Group.objects.get_or_create(name=role)[0])
            return user
