"""API routes of the catalog under /api/v1/catalog/."""

from rest_framework.routers import DefaultRouter

from catalog.api import views

router = DefaultRouter()
# The most read first: each route is a few regular expressions, tried in order.
router.register("services", views.ServiceViewSet, basename="catalog-service")
router.register("data-products", views.DataProductViewSet, basename="catalog-data-product")
router.register("teams", views.TeamViewSet, basename="catalog-team")
router.register("people", views.PersonViewSet, basename="catalog-person")
router.register("memberships", views.MembershipViewSet, basename="catalog-membership")
router.register("domains", views.DomainViewSet, basename="catalog-domain")
router.register("systems", views.SystemViewSet, basename="catalog-system")
# SLOs and SLI ingestion
from catalog.api import slo  # noqa: E402 (kept in this block)

router.register("slos", slo.SloViewSet, basename="catalog-slo")
router.register("freshness", slo.FreshnessViewSet, basename="catalog-freshness")

urlpatterns = router.urls

# Imports (catalog/api/imports.py): Backstage descriptors, all or nothing.
from django.urls import path  # noqa: E402

from catalog.api.imports import BackstageImportView  # noqa: E402

urlpatterns += [path("imports/backstage/", BackstageImportView.as_view(), name="catalog-import-backstage")]
