"""FilterSets of the catalog, shared by the list pages and the API (plain FilterSets over the selectors' querysets)."""

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django_filters.fields import ModelChoiceField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from catalog.choices import DATA_PRODUCT_LIFECYCLES, SERVICE_KINDS, SERVICE_LIFECYCLES, Lifecycle, Tier
from catalog.models import Domain, Entity, Membership, Ownership, Person, System, Team
from catalog.permissions import EDITING_ROLES
from portal import prepared

__all__ = [
    "DataProductFilterSet",
    "DomainFilterSet",
    "MembershipFilterSet",
    "PersonFilterSet",
    "ServiceFilterSet",
    "SystemFilterSet",
    "TeamFilterSet",
    "owned_by",
]


def owned_by(**team) -> Exists:
    """Entities the team (`team=` an instance, or `team__slug=`) is Responsible or Accountable for. Exists rather
    than a join: an entity the team is both R and A for is listed once."""
    return Exists(Ownership.objects.filter(entity_id=OuterRef("pk"), role__in=EDITING_ROLES, **team))


class _SlugField(ModelChoiceField):
    """Finds the row of a slug with one prepared query (portal.prepared) rather than the ORM's `get()`: every
    filtered list of the API looks its filter's team up."""

    def to_python(self, value):
        if value in self.empty_values or isinstance(value, Model) or self.queryset.query.has_filters():
            return super().to_python(value)
        self.validate_no_null_characters(value)
        found = prepared.instance_by(self.queryset.model, "slug", str(value))
        if found is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})
        return found


@extend_schema_field(OpenApiTypes.STR)
class SlugFilter(django_filters.ModelChoiceFilter):
    """A reference by slug (unknown slugs are a 400); shown as a string in the API schema."""

    field_class = _SlugField

    def __init__(self, *, queryset, **kwargs):
        # Given as a callable: django-filter deep-copies every filter for each request, and copying a queryset
        # (its whole query) cost more than validating the rest of the form.
        super().__init__(queryset=lambda request: queryset.all(), to_field_name="slug", **kwargs)


def _lifecycle_choices(values) -> list[tuple[str, str]]:
    return [(value, Lifecycle(value).label) for value in values]


class EntityFilterSet(django_filters.FilterSet):
    """The filters services and data products share: owning team, tier, lifecycle, grouping and free text."""

    def get_form_class(self):
        # django-filter builds a new form class (and its fields) for each request; the fields of these filters
        # do not depend on the request, so each FilterSet builds it once.
        form_class = type(self).__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            type(self)._form_class = form_class
        return form_class

    team = SlugFilter(
        queryset=Team.objects.all(),
        method="filter_team",
        label="Owning team (Responsible or Accountable)",
    )
    tier = django_filters.TypedChoiceFilter(choices=Tier.choices, coerce=int, label="Tier")
    domain = SlugFilter(queryset=Domain.objects.all(), label="Domain")
    system = SlugFilter(queryset=System.objects.all(), label="System")
    q = django_filters.CharFilter(method="filter_q", label="Name or description contains")

    def filter_team(self, queryset: QuerySet, name: str, team: Team) -> QuerySet:
        # A team's lone filter is answered by catalog/api/team_lists.py, with this same condition.
        return queryset.filter(owned_by(team=team))

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))


class ServiceFilterSet(EntityFilterSet):
    kind = django_filters.ChoiceFilter(choices=SERVICE_KINDS, label="Kind")
    lifecycle = django_filters.ChoiceFilter(choices=_lifecycle_choices(SERVICE_LIFECYCLES), label="Lifecycle")

    class Meta:
        # Every filter is declared and reads the entity's own columns, so the API pages over plain entity rows
        # (no join to the service table) and the pages filter services: both are Entity querysets.
        model = Entity
        fields = ["team", "kind", "tier", "lifecycle", "domain", "system", "q"]


class DataProductFilterSet(EntityFilterSet):
    # Always "data_product"; kept so one query string works on every entity list.
    kind = django_filters.CharFilter(label="Kind (always data_product)")
    lifecycle = django_filters.ChoiceFilter(choices=_lifecycle_choices(DATA_PRODUCT_LIFECYCLES), label="Lifecycle")

    class Meta:
        model = Entity  # as ServiceFilterSet's
        fields = ["team", "kind", "tier", "lifecycle", "domain", "system", "q"]


class TeamFilterSet(django_filters.FilterSet):
    parent = SlugFilter(queryset=Team.objects.all(), label="Parent team")
    q = django_filters.CharFilter(method="filter_q", label="Name contains")

    class Meta:
        model = Team
        fields = ["parent", "q"]

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(name__icontains=value.strip()) if value.strip() else queryset


class PersonFilterSet(django_filters.FilterSet):
    team = SlugFilter(queryset=Team.objects.all(), method="filter_team", label="Member of team")
    q = django_filters.CharFilter(method="filter_q", label="Name, title or email contains")

    class Meta:
        model = Person
        fields = ["team", "q"]

    def filter_team(self, queryset: QuerySet, name: str, team: Team) -> QuerySet:
        return queryset.filter(Exists(Membership.objects.filter(person_id=OuterRef("pk"), team=team)))

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(full_name__icontains=value) | Q(title__icontains=value) | Q(email__icontains=value))


class MembershipFilterSet(django_filters.FilterSet):
    team = SlugFilter(queryset=Team.objects.all(), label="Team")
    person = SlugFilter(queryset=Person.objects.all(), label="Person")

    class Meta:
        model = Membership
        fields = ["team", "person", "role"]


class DomainFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name contains")

    class Meta:
        model = Domain
        fields = ["q"]


class SystemFilterSet(django_filters.FilterSet):
    domain = SlugFilter(queryset=Domain.objects.all(), label="Domain")
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name contains")

    class Meta:
        model = System
        fields = ["domain", "q"]
