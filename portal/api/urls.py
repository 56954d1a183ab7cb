"""The REST API's root: /api/v1/, one router per app."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from portal.api.views import AuditEventViewSet, MeView

router = DefaultRouter()
router.register("audit", AuditEventViewSet, basename="audit")

urlpatterns = [
    # By traffic: the catalog, then self-service (the router's regular expressions are tried one by one).
    path("catalog/", include("catalog.api.urls")),
    path("selfservice/", include("selfservice.api.urls")),
    path("oncall/", include("oncall.api.urls")),
    path("planning/", include("planning.api.urls")),
    path("me/", MeView.as_view(), name="api-me"),
    path("", include(router.urls)),
]
