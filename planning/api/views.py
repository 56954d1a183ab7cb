"""API views of planning: viewsets whose writes go through the services (checked, atomic, audited)."""

from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.dateparse import parse_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from planning import capacity, selectors, services
from planning.api import serializers as s
from planning.filters import (
    AbsenceFilterSet,
    BetFilterSet,
    CycleFilterSet,
    HillUpdateFilterSet,
    PitchFilterSet,
    ScopeFilterSet,
)
from planning.models import Absence, Cycle
from planning.permissions import LeadWrites, StaffWrites, can_work_on_bet


@contextmanager
def service_errors():
    """A service's Django ValidationError becomes the API's 400 {field: [messages]}."""
    try:
        yield
    except DjangoValidationError as exc:
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        raise serializers.ValidationError(detail) from exc


AT_PARAMETER = OpenApiParameter("at", OpenApiTypes.DATE, description="Draw the hill as it was at the end of this day")


class CycleViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Shape Up cycles: everyone reads; the lead creates them and moves them on."""

    permission_classes = [IsAuthenticated, LeadWrites]
    filterset_class = CycleFilterSet
    ordering_fields = ["start_date", "name"]
    lookup_field = "slug"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return Cycle.objects.all()

    def get_serializer_class(self):
        return s.CycleWriteSerializer if self.action in ("create", "partial_update") else s.CycleSerializer

    @extend_schema(request=s.CycleWriteSerializer, responses={201: s.CycleSerializer})
    def create(self, request, *args, **kwargs):
        data = self._valid(s.CycleWriteSerializer(data=request.data))
        with service_errors():
            cycle = services.cycle_create(actor=request.user, **data)
        return Response(s.CycleSerializer(cycle).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.CycleWriteSerializer, responses=s.CycleSerializer)
    def partial_update(self, request, *args, **kwargs):
        cycle = self.get_object()
        data = self._valid(s.CycleWriteSerializer(cycle, data=request.data, partial=True))
        with service_errors():
            cycle = services.cycle_update(actor=request.user, cycle=cycle, **data)
        return Response(s.CycleSerializer(cycle).data)

    @staticmethod
    def _valid(serializer) -> dict:
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(request=s.CycleTransitionSerializer, responses=s.CycleSerializer, summary="Move the cycle on")
    @action(detail=True, methods=["post"])
    def transition(self, request, slug=None):
        cycle = self.get_object()
        data = self._valid(s.CycleTransitionSerializer(data=request.data))
        with service_errors():
            cycle = services.cycle_transition(actor=request.user, cycle=cycle, to_state=data["state"])
        return Response(s.CycleSerializer(cycle).data)

    @extend_schema(responses=s.TeamCapacitySerializer(many=True), summary="Capacity of each subteam")
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def capacity(self, request, slug=None):
        cycle = self.get_object()
        result = capacity.teams_capacity(cycle=cycle, teams=selectors.subteams())
        return Response(s.TeamCapacitySerializer(result, many=True).data)

    @extend_schema(responses=s.TeamReportSerializer(many=True), summary="Shipped and not shipped per subteam")
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def report(self, request, slug=None):
        return Response(s.TeamReportSerializer(selectors.cycle_report(cycle=self.get_object()), many=True).data)


class RoadmapItemViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The lead's technical roadmap; its items feed pitches."""

    permission_classes = [IsAuthenticated, LeadWrites]
    serializer_class = s.RoadmapItemSerializer
    lookup_field = "slug"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.roadmap_item_list()

    def perform_create(self, serializer):
        with service_errors():
            serializer.instance = services.roadmap_item_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        with service_errors():
            services.roadmap_item_update(actor=self.request.user, item=serializer.instance, **serializer.validated_data)

    @extend_schema(request=None, responses={201: s.PitchSerializer}, summary="Start a draft pitch from this item")
    @action(detail=True, methods=["post"])
    def pitch(self, request, slug=None):
        pitch = services.pitch_create_from_roadmap_item(actor=request.user, item=self.get_object())
        return Response(s.PitchSerializer(pitch).data, status=status.HTTP_201_CREATED)


class PitchViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Pitches: everyone reads; the lead writes and shapes them."""

    permission_classes = [IsAuthenticated, LeadWrites]
    filterset_class = PitchFilterSet
    ordering_fields = ["title", "created", "updated"]
    lookup_field = "slug"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.pitch_list().prefetch_related("sketches").order_by("title")

    def get_serializer_class(self):
        return s.PitchWriteSerializer if self.action in ("create", "partial_update") else s.PitchSerializer

    @extend_schema(request=s.PitchWriteSerializer, responses={201: s.PitchSerializer})
    def create(self, request, *args, **kwargs):
        serializer = s.PitchWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            pitch = services.pitch_create(actor=request.user, **serializer.validated_data)
        return Response(s.PitchSerializer(pitch).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.PitchWriteSerializer, responses=s.PitchSerializer)
    def partial_update(self, request, *args, **kwargs):
        pitch = self.get_object()
        serializer = s.PitchWriteSerializer(pitch, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            pitch = services.pitch_update(actor=request.user, pitch=pitch, **serializer.validated_data)
        return Response(s.PitchSerializer(pitch).data)

    @extend_schema(request=s.PitchTransitionSerializer, responses=s.PitchSerializer, summary="Shape or re-shape")
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, slug=None):
        pitch = self.get_object()
        serializer = s.PitchTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            services.pitch_transition(actor=request.user, pitch=pitch, to_status=serializer.validated_data["status"])
        return Response(s.PitchSerializer(pitch).data)

    @extend_schema(request=s.SketchUploadSerializer, responses={201: s.PitchSketchSerializer}, summary="Add a sketch")
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def sketches(self, request, slug=None):
        pitch = self.get_object()
        serializer = s.SketchUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            sketch = services.sketch_add(actor=request.user, pitch=pitch, upload=serializer.validated_data["file"])
        return Response(s.PitchSketchSerializer(sketch).data, status=status.HTTP_201_CREATED)


@extend_schema_view(destroy=extend_schema(summary="Withdraw a bet while the table is open"))
class BetViewSet(mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet):
    """Bets: the lead places and withdraws them; the bet's subteam (or the lead) marks them shipped."""

    filterset_class = BetFilterSet
    ordering_fields = ["placed_at"]

    def get_queryset(self):
        return selectors.bet_list().order_by("-cycle__start_date", "team__name", "pitch__title")

    def get_permissions(self):
        if self.action == "ship":  # the bet's team may ship: decided on the object, in the service
            return [IsAuthenticated(), StaffWrites()]
        return [IsAuthenticated(), LeadWrites()]

    def get_serializer_class(self):
        return s.BetWriteSerializer if self.action in ("create", "preview") else s.BetSerializer

    def _parse(self, request) -> dict:
        serializer = s.BetWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(request=s.BetWriteSerializer, responses={201: s.BetSerializer})
    def create(self, request, *args, **kwargs):
        data = self._parse(request)
        with service_errors():
            bet = services.bet_place(actor=request.user, **data)
        return Response(s.BetSerializer(bet).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.BetWriteSerializer,
        responses=s.BetPreviewSerializer,
        summary="What a bet would do to the subteam's capacity, without placing it",
    )
    @action(detail=False, methods=["post"])
    def preview(self, request):
        data = self._parse(request)
        problems, after = services.bet_check(
            cycle=data["cycle"], pitch=data["pitch"], team=data["team"], people=data["people"]
        )
        message = services.over_commitment_message(after) if after.over_committed else ""
        body = {"problems": problems, "over_committed": after.over_committed, "message": message, "capacity": after}
        return Response(s.BetPreviewSerializer(body).data)

    def perform_destroy(self, instance):
        with service_errors():
            services.bet_withdraw(actor=self.request.user, bet=instance)

    @extend_schema(request=None, responses=s.BetSerializer, summary="Mark shipped (before the build weeks end)")
    @action(detail=True, methods=["post"])
    def ship(self, request, pk=None):
        with service_errors():
            bet = services.bet_ship(actor=request.user, bet=self.get_object())
        return Response(s.BetSerializer(bet).data)

    @extend_schema(parameters=[AT_PARAMETER], responses=s.HillSerializer, summary="The hill, now or at a past date")
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def hill(self, request, pk=None):
        bet = self.get_object()
        raw = request.query_params.get("at")
        day = parse_date(raw) if raw else None
        if raw and day is None:
            raise serializers.ValidationError({"at": "Give the date as YYYY-MM-DD."})
        dots = selectors.hill_dots(bet=bet, at=selectors.end_of_day(day) if day else None)
        return Response(s.HillSerializer({"at": day, "scopes": dots}).data)


class ScopeViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Scopes of bets: the bet's subteam (and the lead) add them and move them on the hill."""

    permission_classes = [IsAuthenticated, StaffWrites]
    filterset_class = ScopeFilterSet
    ordering_fields = ["created", "moved_at", "position"]

    def get_queryset(self):
        return selectors.scope_list().order_by("bet_id", "created", "id")

    def get_serializer_class(self):
        return {"create": s.ScopeWriteSerializer, "move": s.ScopeMoveSerializer}.get(self.action, s.ScopeSerializer)

    @extend_schema(request=s.ScopeWriteSerializer, responses={201: s.ScopeSerializer})
    def create(self, request, *args, **kwargs):
        serializer = s.ScopeWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            scope = services.scope_create(actor=request.user, **serializer.validated_data)
        scope = selectors.scope_list().get(pk=scope.pk)
        return Response(s.ScopeSerializer(scope).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ScopeMoveSerializer, responses=s.HillUpdateSerializer, summary="Move on the hill")
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        scope = self.get_object()
        # Permission before validation: another team's engineer gets 403 whatever they send.
        if not can_work_on_bet(request.user, scope.bet):
            raise PermissionDenied(f"Only {scope.bet.team} and the lead move the scopes of this bet.")
        serializer = s.ScopeMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            update = services.scope_move(actor=request.user, scope=scope, **serializer.validated_data)
        return Response(s.HillUpdateSerializer(update).data)


class HillUpdateViewSet(viewsets.ReadOnlyModelViewSet):
    """Every move of every scope, kept: the hill's history."""

    serializer_class = s.HillUpdateSerializer
    filterset_class = HillUpdateFilterSet
    ordering_fields = ["recorded_at"]

    def get_queryset(self):
        return selectors.hill_update_list().order_by("recorded_at", "id")


class AbsenceViewSet(mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet):
    """Absences taken off capacity: the team reads them; you record your own, the lead anyone's."""

    permission_classes = [IsAuthenticated, StaffWrites]
    serializer_class = s.AbsenceSerializer
    filterset_class = AbsenceFilterSet
    ordering_fields = ["start_date"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Absence.objects.none()
        return selectors.absence_list_visible(user=self.request.user).order_by("start_date", "id")

    def perform_create(self, serializer):
        with service_errors():
            serializer.instance = services.absence_create(actor=self.request.user, **serializer.validated_data)

    def perform_destroy(self, instance):
        services.absence_delete(actor=self.request.user, absence=instance)
