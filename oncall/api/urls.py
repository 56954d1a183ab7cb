"""API routes of On-call under /api/v1/oncall/."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()

urlpatterns = router.urls
