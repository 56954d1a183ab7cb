"""The audit trail's filters, shared by the page and the API."""

import django_filters

from portal.models import AuditEvent


class AuditEventFilterSet(django_filters.FilterSet):
    actor = django_filters.CharFilter(field_name="actor_repr", lookup_expr="iexact", label="Actor (username)")
    verb = django_filters.CharFilter(lookup_expr="istartswith", label="Verb starts with")
    target = django_filters.CharFilter(field_name="target_repr", lookup_expr="icontains", label="Target")
    since = django_filters.IsoDateTimeFilter(field_name="created", lookup_expr="gte", label="Since")

    class Meta:
        model = AuditEvent
        fields = ["actor", "verb", "target", "since"]
