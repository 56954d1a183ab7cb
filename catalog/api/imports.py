"""API: import Backstage descriptors (POST /api/v1/catalog/imports/backstage/), all or nothing; the lead only."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.importers.backstage import BackstageImportError, import_descriptors
from portal.roles import is_lead

MAX_FILE_BYTES = 20 * 1024 * 1024


class LeadOnlyPermission(permissions.BasePermission):
    message = "Only the lead imports descriptors: an import can change every team and entity."

    def has_permission(self, request, view) -> bool:
        return is_lead(request.user)


class DescriptorFileSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=300, help_text="The file name, used in error messages")
    content = serializers.CharField(max_length=MAX_FILE_BYTES, help_text="The YAML text (one or more documents)")


class BackstageImportSerializer(serializers.Serializer):
    files = DescriptorFileSerializer(many=True, allow_empty=False)


class ImportResultSerializer(serializers.Serializer):
    created = serializers.DictField(child=serializers.IntegerField(), help_text="Rows created, per kind")
    updated = serializers.DictField(child=serializers.IntegerField(), help_text="Rows updated, per kind")
    summary = serializers.CharField()


class BackstageImportView(APIView):
    """Reads catalog-info.yaml documents; on any problem answers 400 with every problem and writes nothing."""

    permission_classes = [permissions.IsAuthenticated, LeadOnlyPermission]

    @extend_schema(
        summary="Import Backstage descriptors",
        request=BackstageImportSerializer,
        responses={
            201: ImportResultSerializer,
            400: OpenApiResponse(description='{"descriptors": ["file:line: problem", ...]}; nothing was written'),
            403: OpenApiResponse(description="Not the lead"),
        },
        examples=[
            OpenApiExample(
                "One component",
                request_only=True,
                value={
                    "files": [
                        {
                            "name": "payments/catalog-info.yaml",
                            "content": "apiVersion: backstage.io/v1alpha1\nkind: Component\n"
                            "metadata:\n  name: payments\nspec:\n  type: service\n  lifecycle: production\n"
                            "  owner: group:default/data-platform\n",
                        }
                    ]
                },
            )
        ],
    )
    def post(self, request):
        serializer = BackstageImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sources = [(f["name"], f["content"]) for f in serializer.validated_data["files"]]
        try:
            report = import_descriptors(actor=request.user, sources=sources)
        except BackstageImportError as exc:
            return Response({"descriptors": [str(p) for p in exc.problems]}, status=status.HTTP_400_BAD_REQUEST)
        data = {"created": dict(report.created), "updated": dict(report.updated), "summary": report.summary()}
        return Response(data, status=status.HTTP_201_CREATED)
