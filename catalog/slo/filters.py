"""The SLO list's filters, shared by the page and the API: tier, status, owning team, SLI kind, entity."""

import django_filters
from django.db.models import Exists, OuterRef, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from catalog.choices import Tier
from catalog.models import Entity, Ownership, Slo, Team
from catalog.permissions import EDITING_ROLES
from catalog.slo.choices import SliKind, SloStatus


@extend_schema_field(OpenApiTypes.STR)
class _SlugFilter(django_filters.ModelChoiceFilter):
    def __init__(self, *, queryset, **kwargs):
        super().__init__(queryset=queryset, to_field_name="slug", **kwargs)


class SloFilterSet(django_filters.FilterSet):
    tier = django_filters.TypedChoiceFilter(field_name="entity__tier", choices=Tier.choices, coerce=int, label="Tier")
    status = django_filters.ChoiceFilter(choices=SloStatus.choices, label="Status")
    team = _SlugFilter(queryset=Team.objects.all(), method="filter_team", label="Owning team")
    sli_kind = django_filters.ChoiceFilter(choices=SliKind.choices, label="SLI")
    entity = _SlugFilter(queryset=Entity.objects.all(), label="Service or data product")

    class Meta:
        model = Slo
        fields = ["tier", "status", "team", "sli_kind", "entity"]

    def filter_team(self, queryset: QuerySet, name: str, team: Team) -> QuerySet:
        # Exists rather than a join: an SLO whose entity the team is both R and A for is listed once.
        owned = Ownership.objects.filter(entity_id=OuterRef("entity_id"), team=team, role__in=EDITING_ROLES)
        return queryset.filter(Exists(owned))
