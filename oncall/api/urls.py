"""API routes of On-call under /api/v1/oncall/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from oncall.api import views

router = DefaultRouter()
router.register("rotations", views.RotationViewSet, basename="oncall-rotation")
router.register("overrides", views.OverrideViewSet, basename="oncall-override")
router.register("swaps", views.SwapRequestViewSet, basename="oncall-swap")
router.register("escalation-policies", views.EscalationPolicyViewSet, basename="oncall-escalation-policy")
router.register("incidents", views.IncidentViewSet, basename="oncall-incident")
router.register("postmortems", views.PostmortemViewSet, basename="oncall-postmortem")
router.register("action-items", views.ActionItemViewSet, basename="oncall-action-item")

urlpatterns = [
    path("now/", views.OnCallNowView.as_view(), name="oncall-now"),
    path("page/", views.PageView.as_view(), name="oncall-page"),
    path("metrics/", views.MetricsView.as_view(), name="oncall-metrics"),
    *router.urls,
]
