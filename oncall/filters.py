"""FilterSets shared by the on-call pages and the API."""

import django_filters
from django.db.models import Q
from django.utils import timezone

from oncall.choices import OPEN_STATUSES, ActionItemStatus, IncidentStatus, Severity
from oncall.models import ActionItem, Incident, Override, Rotation, SwapRequest


class RotationFilterSet(django_filters.FilterSet):
    team = django_filters.CharFilter(field_name="team__slug", label="Team (slug)")

    class Meta:
        model = Rotation
        fields = ["team"]


class OverrideFilterSet(django_filters.FilterSet):
    rotation = django_filters.CharFilter(field_name="rotation__slug", label="Rotation (slug)")
    person = django_filters.CharFilter(field_name="person__slug", label="Person (slug)")
    ends_after = django_filters.IsoDateTimeFilter(field_name="ends_at", lookup_expr="gt", label="Ends after")

    class Meta:
        model = Override
        fields = ["rotation", "person", "ends_after"]


class SwapRequestFilterSet(django_filters.FilterSet):
    rotation = django_filters.CharFilter(field_name="rotation__slug", label="Rotation (slug)")
    status = django_filters.CharFilter(field_name="status")

    class Meta:
        model = SwapRequest
        fields = ["rotation", "status"]


class IncidentFilterSet(django_filters.FilterSet):
    severity = django_filters.ChoiceFilter(choices=Severity.choices)
    status = django_filters.ChoiceFilter(choices=IncidentStatus.choices)
    team = django_filters.CharFilter(field_name="team__slug", label="Team (slug)")
    affected = django_filters.CharFilter(field_name="affected__slug", label="Affected entity (slug)")
    open = django_filters.BooleanFilter(method="filter_open", label="Open (not resolved)")

    class Meta:
        model = Incident
        fields = ["severity", "status", "team", "affected", "open"]

    def filter_open(self, queryset, name, value):
        return queryset.filter(status__in=OPEN_STATUSES) if value else queryset.exclude(status__in=OPEN_STATUSES)


class ActionItemFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ActionItemStatus.choices)
    owner = django_filters.CharFilter(field_name="owner__slug", label="Owner (slug)")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="Overdue (R12)")

    class Meta:
        model = ActionItem
        fields = ["status", "owner", "overdue"]

    def filter_overdue(self, queryset, name, value):
        late = Q(deadline__lt=timezone.localdate()) & ~Q(status=ActionItemStatus.DONE)
        return queryset.filter(late) if value else queryset.exclude(late)
