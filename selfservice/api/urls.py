"""API routes of Self-service under /api/v1/selfservice/."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()

urlpatterns = router.urls
