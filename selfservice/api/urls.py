"""API routes of self-service under /api/v1/selfservice/."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from selfservice.api.views import ActionViewSet, RequestViewSet

router = DefaultRouter()
router.register("actions", ActionViewSet, basename="action")
router.register("requests", RequestViewSet, basename="request")

urlpatterns = [path("", include((router.urls, "selfservice-api")))]
urlpatterns += [path("gitlab/", include("selfservice.webhooks")), path("datahub/", include("selfservice.datahub.api"))]
