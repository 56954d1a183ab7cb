"""Pages of planning under /planning/."""

from django.urls import path

from planning import views

app_name = "planning"
urlpatterns = [
    path("", views.index, name="index"),
    path("cycles/new/", views.cycle_create, name="cycle-create"),
    path("cycles/<slug:slug>/", views.cycle_detail, name="cycle-detail"),
    path("cycles/<slug:slug>/transition/", views.cycle_transition, name="cycle-transition"),
    path("cycles/<slug:slug>/bets/", views.cycle_bet, name="cycle-bet"),
    path("cycles/<slug:slug>/report/", views.cycle_report, name="cycle-report"),
    path("pitches/", views.pitch_list, name="pitch-list"),
    path("pitches/new/", views.pitch_create, name="pitch-create"),
    path("pitches/<slug:slug>/", views.pitch_detail, name="pitch-detail"),
    path("pitches/<slug:slug>/edit/", views.pitch_edit, name="pitch-edit"),
    path("pitches/<slug:slug>/status/", views.pitch_transition, name="pitch-transition"),
    path("pitches/<slug:slug>/sketches/", views.pitch_sketch_add, name="pitch-sketch-add"),
    path("sketches/<int:pk>/", views.sketch, name="sketch"),
    path("roadmap/<slug:slug>/pitch/", views.roadmap_item_pitch, name="roadmap-item-pitch"),
    path("bets/<int:pk>/", views.bet_detail, name="bet-detail"),
    path("bets/<int:pk>/hill/", views.bet_hill, name="bet-hill"),
    path("bets/<int:pk>/ship/", views.bet_ship, name="bet-ship"),
    path("bets/<int:pk>/withdraw/", views.bet_withdraw, name="bet-withdraw"),
    path("bets/<int:pk>/scopes/", views.scope_create, name="scope-create"),
    path("scopes/<int:pk>/move/", views.scope_move, name="scope-move"),
    path("absences/", views.absence_list, name="absence-list"),
    path("absences/<int:pk>/delete/", views.absence_delete, name="absence-delete"),
]
