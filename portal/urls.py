"""Root URLs: pages, the API under /api/v1/, its schema and docs, health and metrics."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from portal import views

urlpatterns = [
    # The API first: Django tries the patterns in order, and most requests are the API's (by name, lists).
    path("api/v1/", include("portal.api.urls")),
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/tokens/", views.api_tokens, name="api-tokens"),
    path("accounts/tokens/<str:token_key>/revoke/", views.api_token_revoke, name="api-token-revoke"),
    path("audit/", views.audit_list, name="audit-list"),
    path("catalog/", include("catalog.urls")),
    path("selfservice/", include("selfservice.urls")),
    path("oncall/", include("oncall.urls")),
    path("planning/", include("planning.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # A browser page: send anonymous visitors to the sign-in page rather than answer 401.
    path("api/docs/", login_required(SpectacularSwaggerView.as_view(url_name="api-schema")), name="api-docs"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("", include("django_prometheus.urls")),
    path("admin/", admin.site.urls),
]

if settings.OIDC_ENABLED:
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))
