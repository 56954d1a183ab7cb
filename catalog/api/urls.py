"""API routes of the catalog under /api/v1/catalog/."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()

urlpatterns = router.urls
