"""Pages of On-call."""

from django.urls import path

from oncall.views import feeds, incidents, rotations

app_name = "oncall"
urlpatterns = [
    path("", rotations.index, name="index"),
    path("rotations/new/", rotations.rotation_create, name="rotation-create"),
    path("rotations/<slug:slug>/", rotations.rotation_detail, name="rotation-detail"),
    path("rotations/<slug:slug>/edit/", rotations.rotation_edit, name="rotation-edit"),
    path("rotations/<slug:slug>/feed/reset/", rotations.feed_reset, name="rotation-feed-reset"),
    path("rotations/<slug:slug>/overrides/<int:pk>/delete/", rotations.override_delete, name="override-delete"),
    path("rotations/<slug:slug>/swaps/<int:pk>/<str:decision>/", rotations.swap_decide, name="swap-decide"),
    path("feed/reset/", rotations.feed_reset, name="feed-reset"),
    path("escalation/<slug:team_slug>/", rotations.policy_detail, name="policy-detail"),
    path("ical/rotation/<str:token>.ics", feeds.rotation_feed, name="ical-rotation"),
    path("ical/person/<str:token>.ics", feeds.person_feed, name="ical-person"),
    path("incidents/", incidents.incident_list, name="incident-list"),
    path("incidents/new/", incidents.incident_create, name="incident-create"),
    path("incidents/metrics/", incidents.incident_metrics, name="incident-metrics"),
    path("incidents/<int:pk>/", incidents.incident_detail, name="incident-detail"),
    path("incidents/<int:pk>/edit/", incidents.incident_edit, name="incident-edit"),
    path("incidents/<int:pk>/<str:what>/", incidents.incident_action, name="incident-action"),
    path("incidents/<int:pk>/postmortem/start/", incidents.postmortem_start, name="postmortem-start"),
    path("postmortems/<int:pk>/", incidents.postmortem_detail, name="postmortem-detail"),
    path("postmortems/<int:pk>/edit/", incidents.postmortem_edit, name="postmortem-edit"),
    path("postmortems/<int:pk>/status/", incidents.postmortem_status, name="postmortem-status"),
    path("action-items/", incidents.action_item_list, name="action-item-list"),
    path("action-items/<int:item_pk>/status/", incidents.action_item_status, name="action-item-status"),
]
