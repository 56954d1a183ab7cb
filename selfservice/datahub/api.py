"""API of the DataHub publication: each data product's status, and publishing everything on demand (the lead)."""

from django.urls import include, path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from portal.roles import is_lead
from selfservice.datahub import services
from selfservice.models import DataHubPublication


class DataHubPublicationSerializer(serializers.ModelSerializer):
    entity = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    status = serializers.CharField(read_only=True, help_text="pending, published or failed")

    class Meta:
        model = DataHubPublication
        fields = ["entity", "urn", "status", "last_error", "attempted_at", "published_at"]


class DataHubPublicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Where each data product stands in DataHub. Catalog metadata is readable by everyone signed in."""

    serializer_class = DataHubPublicationSerializer
    lookup_field = "entity__slug"
    lookup_url_kwarg = "slug"
    filterset_fields = ["status"]

    def get_queryset(self):
        return DataHubPublication.objects.select_related("entity").order_by("entity__slug")

    @extend_schema(
        request=None,
        responses={202: inline_serializer("DataHubPublishAll", {"queued": serializers.IntegerField()})},
        summary="Publish every data product to DataHub now (the lead); each is an idempotent upsert",
    )
    @action(detail=False, methods=["post"], url_path="publish-all")
    def publish_all(self, request):
        if not is_lead(request.user):
            raise PermissionDenied("Only the Data Infrastructure lead publishes the whole catalog.")
        if not services.is_configured():
            raise ValidationError({"datahub": "DATAHUB_GMS_URL is not set: there is no DataHub to publish to."})
        return Response({"queued": services.publish_all_enqueue(actor=request.user)}, status=status.HTTP_202_ACCEPTED)


router = DefaultRouter()
router.register("publications", DataHubPublicationViewSet, basename="datahub-publication")
urlpatterns = [path("", include((router.urls, "datahub-api")))]
