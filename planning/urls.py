"""Pages of Planning."""

from django.urls import path

from planning import views

app_name = "planning"
urlpatterns = [
    path("", views.index, name="index"),
]
