"""Pages of On-call."""

from django.urls import path

from oncall import views

app_name = "oncall"
urlpatterns = [
    path("", views.index, name="index"),
]
