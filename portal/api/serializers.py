"""Serializers of the project package's API."""

from rest_framework import serializers

from portal.models import AuditEvent
from portal.roles import user_roles


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField(source="get_full_name")
    email = serializers.EmailField()
    roles = serializers.SerializerMethodField()

    def get_roles(self, user) -> list[str]:
        return sorted(user_roles(user))


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_repr")
    target_type = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created",
            "actor",
            "verb",
            "target_type",
            "target_id",
            "target_repr",
            "changes",
            "message",
        ]

    def get_target_type(self, event) -> str | None:
        return f"{event.target_type.app_label}.{event.target_type.model}" if event.target_type_id else None
