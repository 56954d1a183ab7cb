"""FilterSets of planning's API lists."""

import django_filters

from planning.choices import Appetite, BetStatus, CycleState, PitchStatus
from planning.models import Absence, Bet, Cycle, HillUpdate, Pitch, Scope


class CycleFilterSet(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=CycleState.choices)

    class Meta:
        model = Cycle
        fields = ["state"]


class PitchFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PitchStatus.choices)
    appetite = django_filters.ChoiceFilter(choices=Appetite.choices)
    roadmap_item = django_filters.CharFilter(field_name="roadmap_item__slug", label="Roadmap item (slug)")

    class Meta:
        model = Pitch
        fields = ["status", "appetite", "roadmap_item"]


class BetFilterSet(django_filters.FilterSet):
    cycle = django_filters.CharFilter(field_name="cycle__slug", label="Cycle (slug)")
    team = django_filters.CharFilter(field_name="team__slug", label="Team (slug)")
    status = django_filters.ChoiceFilter(choices=BetStatus.choices)

    class Meta:
        model = Bet
        fields = ["cycle", "team", "status"]


class ScopeFilterSet(django_filters.FilterSet):
    bet = django_filters.NumberFilter(field_name="bet_id", label="Bet (id)")
    cycle = django_filters.CharFilter(field_name="bet__cycle__slug", label="Cycle (slug)")

    class Meta:
        model = Scope
        fields = ["bet", "cycle"]


class HillUpdateFilterSet(django_filters.FilterSet):
    scope = django_filters.NumberFilter(field_name="scope_id", label="Scope (id)")
    bet = django_filters.NumberFilter(field_name="scope__bet_id", label="Bet (id)")
    until = django_filters.IsoDateTimeFilter(field_name="recorded_at", lookup_expr="lte", label="Recorded until")

    class Meta:
        model = HillUpdate
        fields = ["scope", "bet", "until"]


class AbsenceFilterSet(django_filters.FilterSet):
    person = django_filters.CharFilter(field_name="person__slug", label="Person (slug)")
    after = django_filters.DateFilter(field_name="end_date", lookup_expr="gte", label="Ends on or after")

    class Meta:
        model = Absence
        fields = ["person", "after"]
