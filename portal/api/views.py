"""API views of the project package: who am I, and the audit trail."""

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api.serializers import AuditEventSerializer, MeSerializer
from portal.filters import AuditEventFilterSet
from portal.models import AuditEvent
from portal.selectors import audit_event_list_visible


class MeView(APIView):
    @extend_schema(responses=MeSerializer, summary="The authenticated user and their roles")
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit trail: leads see every event, others the events they caused."""

    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilterSet
    ordering_fields = ["created"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return AuditEvent.objects.none()
        return audit_event_list_visible(user=self.request.user)
