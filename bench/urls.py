"""The portal's URLs plus a bare Django JSON view; used only by the benchmark's settings, never in production."""

from django.urls import include, path

from bench.bare import bare_services

urlpatterns = [
    path("api/v1/bench-bare/services/", bare_services),
    path("", include("portal.urls")),
]
