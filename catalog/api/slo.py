"""API of SLOs: CRUD, SLI ingestion (measurements and freshness heartbeats), OpenSLO and PrometheusRule exports.

Reads are open to every signed-in user; an SLO is changed (and its SLIs pushed) by whoever may edit its entity:
the owning team (Responsible or Accountable) or the lead, with a session or an API token.
"""

from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from catalog.models import Entity, Slo
from catalog.permissions import can_create_entities, can_edit_entity
from catalog.slo import budget, compute, openslo, prometheus, selectors, services
from catalog.slo.choices import SliKind, SloStatus, SloWindow
from catalog.slo.defaults import TIER_DEFAULTS
from catalog.slo.filters import SloFilterSet
from catalog.slo.words import sla_words
from portal.api.fields import EnumField

EDIT_MESSAGE = "Only the owning team (Responsible or Accountable) or the lead may change this SLO."


class LenientJSONParser(JSONParser):
    """Accepts NaN and Infinity literals, so the ingestion validation names the item instead of a parse error."""

    strict = False


#
# Serializers
#


class ErrorBudgetSerializer(serializers.Serializer):
    percent = serializers.FloatField()
    minutes = serializers.FloatField()
    hours = serializers.FloatField()
    words = serializers.CharField()


class SloLinksSerializer(serializers.Serializer):
    page = serializers.CharField()
    measurements = serializers.CharField()
    openslo = serializers.CharField()
    prometheus_rule = serializers.CharField()


class SloEntitySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    tier = serializers.IntegerField()


class SloSerializer(serializers.ModelSerializer):
    entity = SloEntitySerializer(read_only=True)
    sli_kind = EnumField(SliKind)
    window = EnumField(SloWindow)
    status = EnumField(SloStatus)
    target_percent = serializers.FloatField(read_only=True)
    unit = serializers.CharField(read_only=True)
    error_budget = serializers.SerializerMethodField()
    sla_in_words = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta:
        model = Slo
        fields = [
            "id",
            "entity",
            "sli_kind",
            "dataset",
            "objective",
            "sla",
            "target",
            "target_percent",
            "unit",
            "window",
            "description",
            "error_budget",
            "sla_in_words",
            "status",
            "compliance",
            "budget_left_percent",
            "budget_left_minutes",
            "evaluated_at",
            "links",
        ]

    @extend_schema_field(ErrorBudgetSerializer)
    def get_error_budget(self, slo: Slo) -> dict:
        whole = budget.error_budget(slo.target_percent, compute.window_days(slo, timezone.now()))
        return {"percent": whole.percent, "minutes": whole.minutes, "hours": whole.hours, "words": whole.words}

    def get_sla_in_words(self, slo: Slo) -> str:
        return sla_words(slo)

    @extend_schema_field(SloLinksSerializer)
    def get_links(self, slo: Slo) -> dict:
        base = f"/api/v1/catalog/slos/{slo.pk}/"
        return {
            "page": slo.get_absolute_url(),
            "measurements": f"{base}measurements/",
            "openslo": f"{base}openslo/",
            "prometheus_rule": f"{base}prometheus-rule/",
        }


class BurnAlertSerializer(serializers.Serializer):
    severity = serializers.CharField()
    long = serializers.CharField()
    short = serializers.CharField()
    factor = serializers.FloatField()


class EvaluationSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    status = EnumField(SloStatus)
    samples = serializers.IntegerField()
    compliance = serializers.FloatField(allow_null=True)
    budget_left_percent = serializers.FloatField(allow_null=True)
    budget_left_minutes = serializers.FloatField(allow_null=True)
    burn_rates = serializers.DictField(child=serializers.FloatField(allow_null=True))
    firing = BurnAlertSerializer(many=True)
    last_refresh = serializers.DateTimeField(allow_null=True)
    age_seconds = serializers.FloatField(allow_null=True)
    late_seconds = serializers.FloatField(allow_null=True)


class SloDetailSerializer(SloSerializer):
    evaluation = serializers.SerializerMethodField()

    class Meta(SloSerializer.Meta):
        fields = [*SloSerializer.Meta.fields, "evaluation"]

    @extend_schema_field(EvaluationSerializer)
    def get_evaluation(self, slo: Slo) -> dict:
        """Computed now, in the database (the list shows the last stored evaluation)."""
        return EvaluationSerializer(compute.evaluate(slo)).data


class SloWriteSerializer(serializers.Serializer):
    """Shapes only; R7 defaults and R8 are the service's. On create, what is left out comes from the tier."""

    entity = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Entity.objects.all(),
        error_messages={"does_not_exist": "no service or data product with slug '{value}'"},
    )
    sli_kind = EnumField(SliKind)
    objective = serializers.FloatField(required=False)
    sla = serializers.FloatField(required=False)
    target = serializers.FloatField(required=False, allow_null=True)
    window = EnumField(SloWindow, required=False)
    dataset = serializers.CharField(required=False, allow_blank=True, max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)

    def validate(self, attrs):
        slo = self.instance
        if slo is not None:
            for field in ("entity", "sli_kind"):
                if field in attrs and attrs[field] != getattr(slo, field):
                    raise ValidationError({field: "An SLO keeps its entity and SLI; create a new SLO instead."})
        return attrs


class MeasurementInputSerializer(serializers.Serializer):
    timestamp = serializers.DateTimeField()
    value = serializers.FloatField(required=False)
    good = serializers.IntegerField(required=False, min_value=0)
    total = serializers.IntegerField(required=False, min_value=0)


class MeasurementBatchSerializer(serializers.Serializer):
    measurements = MeasurementInputSerializer(many=True)


class IngestResultSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    created = serializers.IntegerField()
    replaced = serializers.IntegerField(required=False)


class HeartbeatInputSerializer(serializers.Serializer):
    data_product = serializers.CharField(required=False, help_text="The data product's slug")
    dataset = serializers.CharField(required=False, help_text="An output dataset's name")
    refreshed_at = serializers.DateTimeField()


class HeartbeatBatchSerializer(serializers.Serializer):
    heartbeats = HeartbeatInputSerializer(many=True)


class OpenSloImportSerializer(serializers.Serializer):
    document = serializers.CharField(help_text="One OpenSLO v1 SLO, as YAML")


class TierDefaultsSerializer(serializers.Serializer):
    entity = serializers.CharField()
    tier = serializers.IntegerField()
    defaults = serializers.DictField(child=serializers.DictField())


#
# Views
#


class SloPermission(permissions.BasePermission):
    message = EDIT_MESSAGE

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or can_create_entities(request.user)

    def has_object_permission(self, request, view, obj: Slo) -> bool:
        return request.method in permissions.SAFE_METHODS or can_edit_entity(request.user, obj.entity)


ERRORS = {
    400: OpenApiResponse(description="Field errors, as {field: [messages]}; nothing was written"),
    403: OpenApiResponse(description="Signed in, but not allowed to change this SLO"),
}
YAML = OpenApiResponse(OpenApiTypes.STR, description="YAML")


@extend_schema_view(
    list=extend_schema(summary="List SLOs (with their last evaluation)"),
    retrieve=extend_schema(summary="One SLO, evaluated now", responses={200: SloDetailSerializer, 404: None}),
    create=extend_schema(
        summary="Create an SLO (R7: numbers left out come from the entity's tier; R8: stricter than the SLA)",
        request=SloWriteSerializer,
        responses={201: SloSerializer, **ERRORS},
        examples=[
            OpenApiExample(
                "Tier defaults",
                request_only=True,
                value={"entity": "fct-daily-revenue", "sli_kind": "freshness"},
            ),
            OpenApiExample(
                "Explicit numbers",
                request_only=True,
                value={
                    "entity": "kafka",
                    "sli_kind": "availability",
                    "objective": 99.9,
                    "sla": 99.5,
                    "window": "rolling_30d",
                },
            ),
        ],
    ),
    update=extend_schema(
        summary="Replace an SLO", request=SloWriteSerializer, responses={200: SloSerializer, **ERRORS}
    ),
    partial_update=extend_schema(
        summary="Change an SLO", request=SloWriteSerializer, responses={200: SloSerializer, **ERRORS}
    ),
    destroy=extend_schema(summary="Delete an SLO and its measurements", responses={204: None, 403: ERRORS[403]}),
)
class SloViewSet(viewsets.ModelViewSet):
    """SLOs on services and data products."""

    permission_classes = [permissions.IsAuthenticated, SloPermission]
    filterset_class = SloFilterSet
    ordering_fields = ["entity__name", "status", "budget_left_percent", "compliance"]
    ordering = ["entity__name", "sli_kind"]

    def get_queryset(self) -> QuerySet[Slo]:
        if getattr(self, "swagger_fake_view", False):
            return Slo.objects.none()
        return selectors.slo_list_visible(user=self.request.user)

    def get_serializer_class(self):
        if self.action in {"create", "update", "partial_update"}:
            return SloWriteSerializer
        return SloDetailSerializer if self.action == "retrieve" else SloSerializer

    def _read(self, slo: Slo, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=slo.pk)
        return Response(SloSerializer(fresh, context=self.get_serializer_context()).data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = SloWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        entity = data.pop("entity")
        if not can_edit_entity(request.user, entity):
            raise PermissionDenied(f"Only the team owning {entity.name} (or the lead) may add SLOs to it.")
        slo = services.slo_create(actor=request.user, entity=entity, **data)
        return self._read(slo, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        slo = self.get_object()  # 404, then the object permission, before the input is looked at
        partial = kwargs.pop("partial", False)
        serializer = SloWriteSerializer(slo, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if k not in ("entity", "sli_kind")}
        services.slo_update(actor=request.user, slo=slo, **data)
        return self._read(slo)

    def perform_destroy(self, instance: Slo) -> None:
        services.slo_delete(actor=self.request.user, slo=instance)

    @extend_schema(
        summary="Push SLI measurements (a batch, all or nothing; idempotent on the SLO and the timestamp)",
        request=MeasurementBatchSerializer,
        responses={200: IngestResultSerializer, **ERRORS},
        examples=[
            OpenApiExample(
                "Run counts",
                request_only=True,
                value={"measurements": [{"timestamp": "2026-05-04T06:00:00Z", "good": 47, "total": 48}]},
            ),
            OpenApiExample(
                "Values",
                request_only=True,
                value={"measurements": [{"timestamp": "2026-05-04T06:00:00Z", "value": 99.97}]},
            ),
        ],
    )
    @action(detail=True, methods=["post"], parser_classes=[LenientJSONParser])
    def measurements(self, request, pk=None):
        slo = self.get_object()
        result = services.slo_measurements_add(actor=request.user, slo=slo, items=request.data.get("measurements"))
        return Response(result)

    @extend_schema(summary="The SLO as an OpenSLO v1 document", responses={(200, "application/yaml"): YAML})
    @action(detail=True, methods=["get"])
    def openslo(self, request, pk=None):
        slo = self.get_object()
        return _yaml(openslo.export(slo), f"{openslo.slo_name(slo)}.openslo.yaml")

    @extend_schema(
        summary="Burn-rate alerts as a PrometheusRule manifest (monitoring.coreos.com/v1)",
        responses={(200, "application/yaml"): YAML},
    )
    @action(detail=True, methods=["get"], url_path="prometheus-rule")
    def prometheus_rule(self, request, pk=None):
        slo = self.get_object()
        text = prometheus.export(slo, request.build_absolute_uri(slo.get_absolute_url()))
        return _yaml(text, f"{openslo.slo_name(slo)}.prometheusrule.yaml")

    @extend_schema(
        summary="Create or replace an SLO from an OpenSLO v1 document",
        request=OpenSloImportSerializer,
        responses={200: SloSerializer, 201: SloSerializer, **ERRORS},
    )
    @action(detail=False, methods=["post"], url_path="import")
    def import_openslo(self, request):
        serializer = OpenSloImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        slo, created = services.slo_import_openslo(actor=request.user, text=serializer.validated_data["document"])
        return self._read(slo, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        summary="The playbook's defaults for an entity's tier (R7)",
        parameters=[OpenApiParameter("entity", str, required=True, description="A service or data product slug")],
        responses={200: TierDefaultsSerializer, 404: None},
    )
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def defaults(self, request):
        entity = get_object_or_404(Entity, slug=request.query_params.get("entity", ""))
        return Response({"entity": entity.slug, "tier": entity.tier, "defaults": TIER_DEFAULTS.get(entity.tier, {})})


def _yaml(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


class FreshnessViewSet(viewsets.ViewSet):
    """ "Refreshed at" heartbeats of data products and their output datasets."""

    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [LenientJSONParser]

    @extend_schema(
        summary="Report refreshes (a batch, all or nothing; the same heartbeat twice counts once)",
        request=HeartbeatBatchSerializer,
        responses={200: IngestResultSerializer, **ERRORS},
        examples=[
            OpenApiExample(
                "By data product or by dataset",
                request_only=True,
                value={
                    "heartbeats": [
                        {"data_product": "fct-daily-revenue", "refreshed_at": "2026-05-04T06:12:00Z"},
                        {"dataset": "marketing.marketing_attribution", "refreshed_at": "2026-05-04T06:40:00Z"},
                    ]
                },
            )
        ],
    )
    def create(self, request):
        return Response(services.freshness_heartbeats_add(actor=request.user, items=request.data.get("heartbeats")))
