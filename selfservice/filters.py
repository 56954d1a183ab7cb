"""Filters of the request lists, shared by the pages and the API."""

import django_filters

from catalog.models import Team
from selfservice.actions import ACTIONS
from selfservice.choices import RequestStatus
from selfservice.models import Request


class RequestFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=RequestStatus.choices)
    action = django_filters.ChoiceFilter(choices=[(a.id, a.title) for a in ACTIONS.values()])
    team = django_filters.ModelChoiceFilter(queryset=Team.objects.all(), to_field_name="slug")
    mine = django_filters.BooleanFilter(method="filter_mine", label="Only my requests")

    class Meta:
        model = Request
        fields = ["status", "action", "team", "mine"]

    def filter_mine(self, queryset, name, value):
        return queryset.filter(requester=self.request.user) if value else queryset
