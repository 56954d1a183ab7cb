"""Pages of self-service."""

from django.urls import path

from selfservice import views

app_name = "selfservice"
urlpatterns = [
    path("", views.index, name="index"),
    path("requests/", views.request_list, name="request-list"),
    path("requests/<int:pk>/", views.request_detail, name="request-detail"),
    path("requests/<int:pk>/decide/", views.request_decide, name="request-decide"),
    path("requests/<int:pk>/cancel/", views.request_cancel, name="request-cancel"),
    path("requests/<int:pk>/retry/", views.request_retry, name="request-retry"),
    path("requests/<int:pk>/token/", views.request_token, name="request-token"),
    path("actions/<slug:action_id>/", views.action_form, name="action-form"),
]
