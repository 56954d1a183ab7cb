"""Pages of the catalog."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from catalog.models import Person, Team


def index(request: HttpRequest) -> HttpResponse:
    teams = Team.objects.select_related("parent").prefetch_related("memberships__person")
    return render(request, "catalog/index.html", {"teams": teams})


def team_detail(request: HttpRequest, slug: str) -> HttpResponse:
    team = get_object_or_404(Team.objects.select_related("parent"), slug=slug)
    memberships = team.memberships.select_related("person")
    return render(request, "catalog/team_detail.html", {"team": team, "memberships": memberships})


def person_detail(request: HttpRequest, slug: str) -> HttpResponse:
    person = get_object_or_404(Person, slug=slug)
    memberships = person.memberships.select_related("team")
    return render(request, "catalog/person_detail.html", {"person": person, "memberships": memberships})
