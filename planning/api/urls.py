"""API routes of planning under /api/v1/planning/."""

from rest_framework.routers import DefaultRouter

from planning.api import views

router = DefaultRouter()
router.register("cycles", views.CycleViewSet, basename="planning-cycle")
router.register("roadmap-items", views.RoadmapItemViewSet, basename="planning-roadmap-item")
router.register("pitches", views.PitchViewSet, basename="planning-pitch")
router.register("bets", views.BetViewSet, basename="planning-bet")
router.register("scopes", views.ScopeViewSet, basename="planning-scope")
router.register("hill-updates", views.HillUpdateViewSet, basename="planning-hill-update")
router.register("absences", views.AbsenceViewSet, basename="planning-absence")

urlpatterns = router.urls
