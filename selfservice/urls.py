"""Pages of Self-service."""

from django.urls import path

from selfservice import views

app_name = "selfservice"
urlpatterns = [
    path("", views.index, name="index"),
]
