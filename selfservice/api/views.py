"""The self-service API: actions, plans, requests (202 on submit) and their approval, cancel and retry."""

from django.db.models import Prefetch, prefetch_related_objects
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from catalog.models import Team
from selfservice import selectors, services
from selfservice.actions import ACTIONS
from selfservice.api.serializers import (
    ActionSerializer,
    DecisionSerializer,
    PlanSerializer,
    RequestListSerializer,
    RequestSerializer,
    RequestSubmitSerializer,
)
from selfservice.filters import RequestFilterSet
from selfservice.models import Request, RequestEvent

KAFKA_EXAMPLE = OpenApiExample(
    "Create a Kafka topic",
    value={
        "action": "kafka-topic",
        "parameters": {
            "name": "orders.cdc.v1",
            "partitions": 6,
            "replication_factor": 1,
            "retention_ms": 604800000,
            "cleanup_policy": "delete",
            "team": "data-engineering",
        },
    },
    request_only=True,
)


class ActionViewSet(viewsets.ViewSet):
    """The actions you can request, with the schema of their parameters."""

    lookup_field = "id"
    lookup_value_regex = "[a-z0-9-]+"

    @extend_schema(responses=ActionSerializer(many=True))
    def list(self, request):
        return Response(ActionSerializer(list(ACTIONS.values()), many=True).data)

    @extend_schema(responses=ActionSerializer)
    def retrieve(self, request, id=None):
        found = ACTIONS.get(id)
        if found is None:
            raise NotFound(f"No action '{id}'.")
        return Response(ActionSerializer(found).data)


class RequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Requests you may see: yours, your team's, and those you approve. Others answer 404."""

    filterset_class = RequestFilterSet
    ordering_fields = ["created", "updated", "status"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Request.objects.none()
        queryset = selectors.request_list_visible(user=self.request.user)
        if self.action == "retrieve" or self.detail:
            queryset = queryset.prefetch_related(self._events())
        return queryset

    @staticmethod
    def _events() -> Prefetch:
        return Prefetch("events", queryset=RequestEvent.objects.order_by("id"))

    def get_serializer_class(self):
        return RequestListSerializer if self.action == "list" else RequestSerializer

    def _detail(self, request_obj, code=status.HTTP_200_OK, headers=None):
        fresh = self.get_queryset().get(pk=request_obj.pk)
        data = RequestSerializer(fresh, context={"request": self.request}).data
        return Response(data, status=code, headers=headers)

    @extend_schema(
        request=RequestSubmitSerializer,
        responses={202: RequestSerializer, 200: RequestSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="A repeat with the same key returns the same request (200) instead of a second one",
            )
        ],
        examples=[KAFKA_EXAMPLE],
        summary="Submit a request; 202 with its URL while it is queued or awaits approval",
    )
    def create(self, request):
        payload = RequestSubmitSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        created_request, created = services.request_submit(
            user=request.user,
            action_id=payload.validated_data["action"],
            params=payload.validated_data["parameters"],
            idempotency_key=request.headers.get("Idempotency-Key", ""),
        )
        url = request.build_absolute_uri(f"/api/v1/selfservice/requests/{created_request.pk}/")
        headers = {"Location": url}
        if not created:
            headers["Idempotent-Replayed"] = "true"
        # The request as the service left it: the answer a GET gives, without reading it again (the most frequent
        # write of the API). A new request's events are the ones the submit wrote, not whatever a fast worker has
        # added since the commit.
        context = {"request": request}
        if created:
            context["events"] = created_request.submitted_events
        else:
            prefetch_related_objects([created_request], self._events())
        data = RequestSerializer(created_request, context=context).data
        return Response(data, status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK, headers=headers)

    @extend_schema(request=RequestSubmitSerializer, responses=PlanSerializer, examples=[KAFKA_EXAMPLE])
    @action(detail=False, methods=["post"])
    def plan(self, request):
        """What the request would do, exactly, without doing anything."""
        payload = RequestSubmitSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        found, cleaned, plan = services.request_plan(
            user=request.user, action_id=payload.validated_data["action"], params=payload.validated_data["parameters"]
        )
        team = Team.objects.get(slug=cleaned["team"])
        need = found.approval_needed(cleaned, requester=request.user, team=team)
        return Response(
            PlanSerializer(
                {
                    "action": found.id,
                    "target": plan.target,
                    "sandbox": plan.sandbox,
                    "steps": plan.steps,
                    "warnings": plan.warnings,
                    "approval_needed": need.reason if need else None,
                    "parameters": cleaned,
                }
            ).data
        )

    @extend_schema(request=DecisionSerializer, responses=RequestSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        comment = DecisionSerializer(data=request.data)
        comment.is_valid(raise_exception=True)
        return self._detail(
            services.request_approve(
                actor=request.user, request=self.get_object(), comment=comment.validated_data.get("comment", "")
            )
        )

    @extend_schema(request=DecisionSerializer, responses=RequestSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        comment = DecisionSerializer(data=request.data)
        comment.is_valid(raise_exception=True)
        return self._detail(
            services.request_reject(
                actor=request.user, request=self.get_object(), comment=comment.validated_data.get("comment", "")
            )
        )

    @extend_schema(request=None, responses=RequestSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._detail(services.request_cancel(actor=request.user, request=self.get_object()))

    @extend_schema(
        request=None,
        responses=inline_serializer("GuestToken", {"token": serializers.CharField()}),
        summary="A secret the request produced (a Superset guest token), handed to its requester once",
    )
    @action(detail=True, methods=["post"])
    def token(self, request, pk=None):
        """POST, not GET, so that no link prefetcher uses up the one showing."""
        from selfservice.actions.superset_embed import take_guest_token

        secret = take_guest_token(user=request.user, request=self.get_object())
        return Response({"token": secret}, headers={"Cache-Control": "no-store"})

    @extend_schema(request=None, responses=RequestSerializer)
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        return self._detail(services.request_retry(actor=request.user, request=self.get_object()))
