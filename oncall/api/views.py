"""API of on-call and incidents: viewsets whose writes go through the services."""

import math
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.compat import LONG_SEPARATORS, SHORT_SEPARATORS
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import cache as catalog_cache
from catalog.models import Team
from catalog.permissions import can_manage_team
from oncall import metrics, selectors, services
from oncall.api import serializers as s
from oncall.filters import (
    ActionItemFilterSet,
    IncidentFilterSet,
    OverrideFilterSet,
    RotationFilterSet,
    SwapRequestFilterSet,
)
from oncall.models import ActionItem, EscalationPolicy, EscalationStep, Override, Postmortem, SwapRequest
from oncall.permissions import (
    OncallObjectPermission,
    can_cancel_swap,
    can_decide_swap,
    can_declare_incident,
    can_manage_incident,
    can_manage_rotation,
    person_of,
)
from portal.roles import is_lead

WRITES = ("create", "update", "partial_update")
HTTP_METHODS = ["get", "post", "patch", "delete", "head", "options"]
MAX_PREVIEW = timedelta(weeks=53)


def call(service, **kwargs):
    """Run a service; its field errors become a 400 naming the fields."""
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        raise serializers.ValidationError(detail) from exc


def deny_unless(allowed: bool, message: str = "Only the owning team or the lead may change this.") -> None:
    if not allowed:
        raise PermissionDenied(message)


class ServiceViewSet(viewsets.GenericViewSet):
    """Read serializer out, write serializer in; permission: read for all, write for the owners."""

    permission_classes = [IsAuthenticated, OncallObjectPermission]
    http_method_names = HTTP_METHODS
    read_serializer_class: type[serializers.Serializer]
    write_serializer_class: type[serializers.Serializer]

    def get_serializer_class(self):
        return self.write_serializer_class if self.action in WRITES else self.read_serializer_class

    def read(self, instance, status_code=status.HTTP_200_OK) -> Response:
        return Response(self.read_serializer_class(instance, context=self.get_serializer_context()).data, status_code)

    def validated(self, serializer_class=None, *, partial=False) -> dict:
        serializer = (serializer_class or self.get_serializer_class())(
            data=self.request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


#
# Rotations
#


@extend_schema_view(
    create=extend_schema(request=s.RotationWriteSerializer, responses={201: s.RotationSerializer}),
    partial_update=extend_schema(request=s.RotationWriteSerializer, responses=s.RotationSerializer),
)
class RotationViewSet(ServiceViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Rotations: everyone signed in reads; the team and the lead change them."""

    lookup_field = "slug"
    filterset_class = RotationFilterSet
    ordering_fields = ["name", "created"]
    read_serializer_class = s.RotationSerializer
    write_serializer_class = s.RotationWriteSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return selectors.rotation_list().none()
        return selectors.rotation_list()

    def create(self, request):
        data = self.validated()
        deny_unless(can_manage_team(request.user, data["team"]), "Only the team's members or the lead may do this.")
        rotation = call(services.rotation_create, actor=request.user, **data)
        return self.read(selectors.rotation_list().get(pk=rotation.pk), status.HTTP_201_CREATED)

    def partial_update(self, request, slug=None):
        rotation = self.get_object()
        data = self.validated(partial=True)
        team = data.pop("team", None)
        if team is not None and team.pk != rotation.team_id:
            raise serializers.ValidationError({"team": ["A rotation cannot move to another team; create one there."]})
        data.pop("slug", None)
        call(services.rotation_update, actor=request.user, rotation=rotation, **data)
        return self.read(selectors.rotation_list().get(pk=rotation.pk))

    def destroy(self, request, slug=None):
        call(services.rotation_delete, actor=request.user, rotation=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Preview the shifts of a rotation (overrides applied)",
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATETIME, description="Default: now"),
            OpenApiParameter("end", OpenApiTypes.DATETIME, description="Default: start + 8 weeks (at most 53)"),
        ],
        responses=s.ShiftSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def shifts(self, request, slug=None):
        rotation = self.get_object()
        start = _datetime_param(request, "start") or timezone.now()
        end = _datetime_param(request, "end") or start + timedelta(weeks=8)
        if end <= start:
            raise serializers.ValidationError({"end": ["Must be after start."]})
        if end - start > MAX_PREVIEW:
            raise serializers.ValidationError({"end": ["Preview at most 53 weeks at a time."]})
        rows = [
            {
                "rotation": rotation.slug,
                "layer": sh.layer,
                "person": person,
                "start": sh.start,
                "end": sh.end,
                "override": sh.override_id,
            }
            for sh, person in selectors.rotation_shifts(rotation=rotation, start=start, end=end)
        ]
        return Response(s.ShiftSerializer(rows, many=True).data)

    @extend_schema(summary="Replace the secret calendar URL", request=None, responses=s.FeedSerializer)
    @action(detail=True, methods=["post"], url_path="reset-feed")
    def reset_feed(self, request, slug=None):
        rotation = self.get_object()
        deny_unless(can_manage_rotation(request.user, rotation))
        token = call(services.feed_reset, actor=request.user, rotation=rotation)
        return Response({"ical_url": request.build_absolute_uri(reverse("oncall:ical-rotation", args=[token]))})


def _datetime_param(request, name: str):
    raw = request.query_params.get(name)
    if not raw:
        return None
    field = serializers.DateTimeField()
    try:
        return field.to_internal_value(raw)
    except serializers.ValidationError as exc:
        raise serializers.ValidationError({name: exc.detail}) from exc


@extend_schema_view(create=extend_schema(request=s.OverrideWriteSerializer, responses={201: s.OverrideSerializer}))
class OverrideViewSet(ServiceViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Overrides: someone covers a layer of a rotation for a while."""

    filterset_class = OverrideFilterSet
    ordering_fields = ["starts_at"]
    read_serializer_class = s.OverrideSerializer
    write_serializer_class = s.OverrideWriteSerializer
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self):
        return Override.objects.select_related("rotation__team", "person").order_by("starts_at", "id")

    def create(self, request):
        data = self.validated()
        deny_unless(can_manage_rotation(request.user, data["rotation"]))
        override = call(services.override_create, actor=request.user, **data)
        return self.read(override, status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        call(services.override_delete, actor=request.user, override=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    create=extend_schema(request=s.SwapRequestWriteSerializer, responses={201: s.SwapRequestSerializer})
)
class SwapRequestViewSet(ServiceViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Swap requests: proposed by one participant, accepted or declined by the other."""

    filterset_class = SwapRequestFilterSet
    ordering_fields = ["created"]
    read_serializer_class = s.SwapRequestSerializer
    write_serializer_class = s.SwapRequestWriteSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return SwapRequest.objects.select_related("rotation__team", "requester", "counterpart")

    def create(self, request):
        data = self.validated()
        rotation = data["rotation"]
        deny_unless(can_manage_rotation(request.user, rotation))
        mine = person_of(request.user)
        requester = data.pop("requester", None) or mine
        if requester is None:
            raise serializers.ValidationError({"requester": ["You have no person in the catalog; name the requester."]})
        deny_unless(
            is_lead(request.user) or (mine is not None and requester.pk == mine.pk),
            "Propose swaps of your own shifts (the lead may propose for anyone).",
        )
        swap = call(services.swap_propose, actor=request.user, requester=requester, **data)
        return self.read(swap, status.HTTP_201_CREATED)

    @extend_schema(summary="Accept (the counterpart)", request=s.ForceSerializer, responses=s.SwapRequestSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        swap = self.get_object()
        deny_unless(can_decide_swap(request.user, swap), "Only the person asked (or the lead) may accept.")
        force = self.validated(s.ForceSerializer)["force"]
        return self.read(call(services.swap_accept, actor=request.user, swap=swap, force=force))

    @extend_schema(summary="Decline (the counterpart)", request=None, responses=s.SwapRequestSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        swap = self.get_object()
        deny_unless(can_decide_swap(request.user, swap), "Only the person asked (or the lead) may decline.")
        return self.read(call(services.swap_decide, actor=request.user, swap=swap, status="declined"))

    @extend_schema(summary="Cancel (the requester)", request=None, responses=s.SwapRequestSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        swap = self.get_object()
        deny_unless(can_cancel_swap(request.user, swap), "Only the requester (or the lead) may cancel.")
        return self.read(call(services.swap_decide, actor=request.user, swap=swap, status="cancelled"))


#
# Escalation and "who is on call"
#


@extend_schema_view(
    create=extend_schema(request=s.EscalationPolicyWriteSerializer, responses={201: s.EscalationPolicySerializer}),
)
class EscalationPolicyViewSet(ServiceViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Escalation policies (R4), one per team, looked up by the team's slug; POST creates or replaces."""

    lookup_field = "team__slug"
    lookup_url_kwarg = "team"
    read_serializer_class = s.EscalationPolicySerializer
    write_serializer_class = s.EscalationPolicyWriteSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        steps = EscalationStep.objects.select_related("person")
        return EscalationPolicy.objects.select_related("team").prefetch_related(Prefetch("steps", queryset=steps))

    def create(self, request):
        data = self.validated()
        team = data["team"]
        deny_unless(can_manage_team(request.user, team), "Only the team's members or the lead may do this.")
        steps = data.get("steps")
        policy = call(services.escalation_policy_save, actor=request.user, team=team, name=data["name"], steps=steps)
        return self.read(self.get_queryset().get(pk=policy.pk), status.HTTP_201_CREATED)


def _team_param(request, required: bool) -> Team | None:
    slug = request.query_params.get("team")
    if not slug:
        if required:
            raise serializers.ValidationError({"team": ["Name the team (its slug), e.g. ?team=data-platform."]})
        return None
    team = Team.objects.filter(slug=slug).first()
    if team is None:
        raise serializers.ValidationError({"team": [f"No team with the slug '{slug}'."]})
    return team


class OnCallNowView(APIView):
    @extend_schema(
        summary="Who is on call (now, or at a given time), per rotation and layer",
        parameters=[
            OpenApiParameter("team", OpenApiTypes.STR, description="Team slug; all teams when left out"),
            OpenApiParameter("at", OpenApiTypes.DATETIME, description="Default: now"),
        ],
        responses=s.OnCallSerializer(many=True),
    )
    def get(self, request):
        # "Now" is the same for every signed-in user until a hand-off, an override starts or ends, or something it
        # shows changes (a rotation, an override, a person or a team): kept as the JSON body it was rendered to,
        # with its own generation, which every such change moves on (catalog/cache.py, oncall/apps.py), and with the
        # instants it holds between. Not for another time (`at`), nor for the browsable API, which names the user.
        asked_at = _datetime_param(request, "at")
        at = asked_at or timezone.now()
        slot = None
        if asked_at is None and request.accepted_renderer.format == "json":
            # Keyed by what the body depends on (e.g. "application/json; indent=2"), not the URL: any other query
            # parameter would only store another copy.
            media_type, team_slug = request.accepted_media_type, request.query_params.get("team", "")
            kept, slot = catalog_cache.lookup(
                "oncall-now", media_type, team_slug, generation_key=selectors.NOW_GENERATION
            )
            if kept is not None:
                since, until, body = kept
                if since <= at and (until is None or at < until):
                    return HttpResponse(body, content_type=request.accepted_renderer.media_type)
        team = _team_param(request, required=False)
        if slot is None:
            rows, until = selectors.oncall_now(at=at, team=team), None
        else:
            rows, until = selectors.oncall_now_until(at=at, team=team)
        if slot is None:
            # Built by hand rather than through OnCallSerializer (which documents the shape): a page of 200
            # rotations is 400 rows, and the nested serializer would triple the answer's time.
            instants = _InstantTexts()
            return Response([_oncall_row(row, instants) for row in rows])
        body = _row_texts.body(rows, request.accepted_renderer, request.accepted_media_type)
        seconds = math.ceil((until - at).total_seconds()) if until is not None else None
        catalog_cache.put(slot, (at, until, body), seconds=seconds)  # plain values: no class of ours is pickled
        return HttpResponse(body, content_type=request.accepted_renderer.media_type)


def _person(person) -> dict | None:
    if person is None:
        return None
    return {
        "slug": person.slug,
        "full_name": person.full_name,
        "email": person.email,
        "chat_handle": person.chat_handle,
    }


class _InstantTexts(dict):
    """An answer's instants as ISO 8601 text, each written once: rotations share their hand-off instants, and
    writing 400 rows' 800 instants was two thirds of the rows' time. Keyed with the UTC offset, as equal instants
    at other offsets are written differently (and the two instants of a repeated autumn hour compare equal)."""

    def __missing__(self, key: tuple[datetime, timedelta | None]) -> str:
        text = self[key] = key[0].isoformat().replace("+00:00", "Z")
        return text

    def of(self, instant: datetime) -> str:
        return self[instant, instant.utcoffset()]


class _RowTexts:
    """Each row's JSON text, kept with the row itself: the selector gives the same row objects while a rotation's
    shift and overrides are unchanged (oncall/selectors.py, `_found_last`), so at a hand-off only the rows of the
    rotations handing off are written again, not all 400 of 200 rotations (writing them was a fifth of a computed
    answer). One per rotation and layer (and renderer's options), replaced when the selector gives another row for
    it, so no mass eviction inside a request (those of a deleted rotation stay until the process ends). Written as
    the JSON renderer writes the whole list (compared in tests/oncall/test_now_cache.py); indented answers are
    written whole."""

    def __init__(self):
        # The renderer's options -> (rotation id, layer) -> (the row, its JSON); a row is held, so its identity
        # cannot be another's. Shared by gunicorn's threads: each access is one dictionary operation.
        self._texts: dict[tuple, dict[tuple[int, str], tuple[selectors.OnCall, bytes]]] = {}

    def body(self, rows: list[selectors.OnCall], renderer: JSONRenderer, media_type: str) -> bytes:
        instants = _InstantTexts()
        if renderer.get_indent(media_type, {}) is not None:
            return renderer.render([_oncall_row(row, instants) for row in rows], media_type)
        separators = SHORT_SEPARATORS if renderer.compact else LONG_SEPARATORS
        kept_texts = self._texts.setdefault(
            (renderer.encoder_class, renderer.ensure_ascii, renderer.strict, separators), {}
        )
        # One encoder for the answer, with the renderer's options (json.dumps makes one per call, a third of a row),
        # but no check for cycles, which rows built here cannot have: it took half of the encoding.
        encoder = renderer.encoder_class(
            ensure_ascii=renderer.ensure_ascii,
            allow_nan=not renderer.strict,
            separators=separators,
            check_circular=False,
        )
        texts = []
        for row in rows:
            key = (row.rotation.pk, row.layer)
            kept = kept_texts.get(key)
            if kept is None or kept[0] is not row:
                # As the renderer does: U+2028 and U+2029 escaped, for JavaScript.
                text = encoder.encode(_oncall_row(row, instants)).replace("\u2028", "\\u2028")
                text = text.replace("\u2029", "\\u2029").encode()
                kept = kept_texts[key] = (row, text)
            texts.append(kept[1])
        return b"[" + separators[0].encode().join(texts) + b"]"


_row_texts = _RowTexts()


def _oncall_row(row, instants: _InstantTexts) -> dict:
    shift = row.shift
    return {
        "team": row.rotation.team.slug,
        "rotation": row.rotation.slug,
        "layer": row.layer,
        "person": _person(row.person),
        "since": instants.of(shift.start) if shift else None,
        "until": instants.of(shift.end) if shift else None,
        "override": shift.override_id if shift else None,
    }


class PageView(APIView):
    @extend_schema(
        summary="Whom to page for a team (R4): at a time, for a step or for the step reached since a start",
        parameters=[
            OpenApiParameter("team", OpenApiTypes.STR, required=True, description="Team slug"),
            OpenApiParameter("at", OpenApiTypes.DATETIME, description="Default: now"),
            OpenApiParameter("step", OpenApiTypes.INT, description="1-based step; default: the step reached"),
            OpenApiParameter("since", OpenApiTypes.DATETIME, description="When the page started, unacknowledged"),
        ],
        responses=s.PageTargetSerializer,
    )
    def get(self, request):
        team = _team_param(request, required=True)
        at = _datetime_param(request, "at") or timezone.now()
        since = _datetime_param(request, "since")
        step = request.query_params.get("step")
        if step is not None:
            if not step.isdigit() or int(step) < 1:
                raise serializers.ValidationError({"step": ["A step number from 1."]})
            step = int(step) - 1
        if since is not None and since > at:
            raise serializers.ValidationError({"since": ["The page cannot start after 'at'."]})
        target = selectors.page_target(team=team, at=at, step=step, unacknowledged_since=since)
        return Response(
            s.PageTargetSerializer(
                {
                    "team": team.slug,
                    "policy": str(target.policy) if target.policy else None,
                    "step": target.position + 1,
                    "kind": target.step.kind if target.step else None,
                    "person": target.person,
                    "reason": target.reason,
                    "pages_from": target.pages_from,
                    "escalates_at": target.escalates_at,
                }
            ).data
        )


#
# Incidents, postmortems, action items
#


@extend_schema_view(
    create=extend_schema(request=s.IncidentWriteSerializer, responses={201: s.IncidentDetailSerializer}),
    partial_update=extend_schema(request=s.IncidentWriteSerializer, responses=s.IncidentDetailSerializer),
    retrieve=extend_schema(responses=s.IncidentDetailSerializer),
)
class IncidentViewSet(ServiceViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Incidents: engineers and the lead declare them; the team, the commander and the lead run them."""

    filterset_class = IncidentFilterSet
    ordering_fields = ["started_at", "severity"]
    read_serializer_class = s.IncidentSerializer
    write_serializer_class = s.IncidentWriteSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        qs = selectors.incident_list()
        if self.action == "retrieve":
            qs = qs.prefetch_related("events__author")
        return qs

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.IncidentDetailSerializer
        return super().get_serializer_class()

    def respond_detail(self, incident, status_code=status.HTTP_200_OK) -> Response:
        fresh = selectors.incident_list().prefetch_related("events__author").get(pk=incident.pk)
        return Response(s.IncidentDetailSerializer(fresh, context=self.get_serializer_context()).data, status_code)

    def create(self, request):
        deny_unless(can_declare_incident(request.user), "Stakeholders read incidents; engineers declare them.")
        data = self.validated()
        incident = call(services.incident_create, actor=request.user, **data)
        return self.respond_detail(incident, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        incident = self.get_object()
        data = self.validated(partial=True)
        affected = data.pop("affected", None)
        incident = call(services.incident_update, actor=request.user, incident=incident, affected=affected, **data)
        return self.respond_detail(incident)

    @extend_schema(
        summary="Change the status", request=s.IncidentStatusSerializer, responses=s.IncidentDetailSerializer
    )
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        incident = self.get_object()
        data = self.validated(s.IncidentStatusSerializer)
        incident = call(services.incident_set_status, actor=request.user, incident=incident, **data)
        return self.respond_detail(incident)

    @extend_schema(
        summary="Acknowledge (stops escalation)", request=s.AcknowledgeSerializer, responses=s.IncidentDetailSerializer
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        incident = self.get_object()
        data = self.validated(s.AcknowledgeSerializer)
        return self.respond_detail(call(services.incident_acknowledge, actor=request.user, incident=incident, **data))

    @extend_schema(
        summary="Add a timeline entry", request=s.IncidentEventSerializer, responses={201: s.IncidentEventSerializer}
    )
    @action(detail=True, methods=["post"])
    def events(self, request, pk=None):
        incident = self.get_object()
        data = self.validated(s.IncidentEventSerializer)
        event = call(services.incident_add_event, actor=request.user, incident=incident, **data)
        return Response(s.IncidentEventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Start the postmortem (pre-filled from the playbook's template)",
        request=None,
        responses={201: s.PostmortemSerializer},
    )
    @action(detail=True, methods=["post"])
    def postmortem(self, request, pk=None):
        incident = self.get_object()
        postmortem = call(services.postmortem_create, actor=request.user, incident=incident)
        return Response(s.PostmortemSerializer(postmortem).data, status=status.HTTP_201_CREATED)


def _postmortems():
    return Postmortem.objects.select_related("incident__team", "incident__commander").prefetch_related(
        "incident__affected",
        Prefetch("action_items", queryset=ActionItem.objects.select_related("owner", "postmortem")),
    )


@extend_schema_view(partial_update=extend_schema(request=s.PostmortemWriteSerializer, responses=s.PostmortemSerializer))
class PostmortemViewSet(ServiceViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Postmortems: draft -> in review -> published; start one with POST incidents/{id}/postmortem/."""

    read_serializer_class = s.PostmortemSerializer
    write_serializer_class = s.PostmortemWriteSerializer
    ordering_fields = ["created"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return _postmortems()

    def partial_update(self, request, pk=None):
        postmortem = self.get_object()
        data = self.validated(partial=True)
        call(services.postmortem_update, actor=request.user, postmortem=postmortem, **data)
        return self.read(_postmortems().get(pk=postmortem.pk))

    @extend_schema(
        summary="Move to in review, back to draft, or publish",
        request=s.PostmortemStatusSerializer,
        responses=s.PostmortemSerializer,
    )
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        postmortem = self.get_object()
        data = self.validated(s.PostmortemStatusSerializer)
        call(services.postmortem_transition, actor=request.user, postmortem=postmortem, status=data["status"])
        return self.read(_postmortems().get(pk=postmortem.pk))


@extend_schema_view(
    create=extend_schema(request=s.ActionItemWriteSerializer, responses={201: s.ActionItemSerializer}),
    partial_update=extend_schema(request=s.ActionItemWriteSerializer, responses=s.ActionItemSerializer),
)
class ActionItemViewSet(ServiceViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Postmortem action items (R12): an owner and a deadline each; ?overdue=true lists the late ones."""

    filterset_class = ActionItemFilterSet
    ordering_fields = ["deadline"]
    read_serializer_class = s.ActionItemSerializer
    write_serializer_class = s.ActionItemWriteSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return ActionItem.objects.select_related("owner", "postmortem__incident__team").order_by("deadline", "id")

    def create(self, request):
        data = self.validated()
        postmortem = data.pop("postmortem", None)
        if postmortem is None:
            raise serializers.ValidationError({"postmortem": ["This field is required."]})
        deny_unless(can_manage_incident(request.user, postmortem.incident))
        fields = {"title": "", "owner": None, "deadline": None, **data}
        item = call(services.action_item_create, actor=request.user, postmortem=postmortem, **fields)
        return self.read(item, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        item = self.get_object()
        data = self.validated(partial=True)
        data.pop("postmortem", None)
        return self.read(call(services.action_item_update, actor=request.user, item=item, **data))


class MetricsView(APIView):
    @extend_schema(
        summary="Incident metrics: MTTR by severity (R6), by team and month, repeats, postmortems, action items",
        parameters=[
            OpenApiParameter("since", OpenApiTypes.DATETIME, description="Default: 365 days ago"),
            OpenApiParameter("until", OpenApiTypes.DATETIME, description="Default: now"),
            OpenApiParameter("team", OpenApiTypes.STR, description="Team slug"),
        ],
        responses=s.MetricsSerializer,
    )
    def get(self, request):
        now = timezone.now()
        until = _datetime_param(request, "until") or now
        since = _datetime_param(request, "since") or until - timedelta(days=365)
        if since >= until:
            raise serializers.ValidationError({"since": ["Must be before until."]})
        team = _team_param(request, required=False)
        m = metrics.incident_metrics(since=since, until=until, today=timezone.localdate(), team=team)
        return Response(s.MetricsSerializer(metrics_payload(m)).data)


def metrics_payload(m: dict) -> dict:
    seconds = lambda d: d.total_seconds() if d is not None else None  # noqa: E731
    return {
        "since": m["since"],
        "until": m["until"],
        "incidents": m["total"],
        "mttr": [
            {
                "severity": r.severity,
                "resolved": r.resolved,
                "mttr_seconds": seconds(r.mttr),
                "target_seconds": seconds(r.target),
                "meets_target": r.meets_target,
            }
            for r in m["mttr"]
        ],
        "by_team_month": [
            {"month": row["month"].date(), "team": row["team__name"], "incidents": row["n"]}
            for row in m["by_team_month"]
        ],
        "repeat_incidents": {
            "total": m["repeat"]["total"],
            "count": m["repeat"]["repeats"],
            "rate": m["repeat"]["rate"],
        },
        "postmortems_on_time": {
            "total": m["postmortems"]["total"],
            "count": m["postmortems"]["on_time"],
            "rate": m["postmortems"]["rate"],
        },
        "action_items_done": {
            "total": m["action_items"]["total"],
            "count": m["action_items"]["done"],
            "rate": m["action_items"]["rate"],
        },
        "action_items_overdue": m["action_items"]["overdue"],
    }
