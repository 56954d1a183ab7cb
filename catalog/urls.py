"""Pages of the catalog."""

from django.urls import path

from catalog import views, views_slo

app_name = "catalog"
urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search_page, name="search"),
    path("teams/<slug:slug>/", views.team_detail, name="team-detail"),
    path("teams/<slug:slug>/raci/", views.team_raci, name="team-raci"),
    path("people/<slug:slug>/", views.person_detail, name="person-detail"),
    path("services/", views.service_list, name="service-list"),
    path("services/new/", views.service_create, name="service-create"),
    path("services/<slug:slug>/", views.service_detail, name="service-detail"),
    path("services/<slug:slug>/edit/", views.service_edit, name="service-edit"),
    path("data-products/", views.dataproduct_list, name="dataproduct-list"),
    path("data-products/new/", views.dataproduct_create, name="dataproduct-create"),
    path("data-products/<slug:slug>/", views.dataproduct_detail, name="dataproduct-detail"),
    path("data-products/<slug:slug>/overview/", views.dataproduct_overview, name="dataproduct-overview"),
    path("data-products/<slug:slug>/edit/", views.dataproduct_edit, name="dataproduct-edit"),
    path("data-products/<slug:slug>/publish/", views.dataproduct_publish, name="dataproduct-publish"),
    path("data-products/<slug:slug>/versions/", views.dataproduct_version_add, name="dataproduct-version-add"),
    path("entities/<slug:slug>/runbook/", views.runbook_edit, name="runbook-edit"),
]

# SLOs
urlpatterns += [
    path("slos/", views_slo.slo_list, name="slo-list"),
    path("slos/new/", views_slo.slo_create, name="slo-create"),
    path("slos/import/", views_slo.slo_import, name="slo-import"),
    path("slos/<int:pk>/", views_slo.slo_detail, name="slo-detail"),
    path("slos/<int:pk>/edit/", views_slo.slo_edit, name="slo-edit"),
    path("slos/<int:pk>/delete/", views_slo.slo_delete, name="slo-delete"),
]
