"""Pages of the catalog."""

from django.urls import path

from catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.index, name="index"),
    path("teams/<slug:slug>/", views.team_detail, name="team-detail"),
    path("people/<slug:slug>/", views.person_detail, name="person-detail"),
]
