"""Serializers of the on-call API: read shapes, and write shapes whose validated data goes to the services."""

from django.urls import reverse
from rest_framework import serializers

from catalog.models import Entity, Person, Team
from oncall.choices import (
    SEVERITY_DEFINITIONS,
    ActionItemStatus,
    EventKind,
    IncidentStatus,
    Layer,
    PostmortemStatus,
    RootCauseCategory,
    Severity,
    StepKind,
    SwapStatus,
)
from oncall.models import (
    ActionItem,
    EscalationPolicy,
    EscalationStep,
    Incident,
    IncidentEvent,
    Override,
    Postmortem,
    Rotation,
    SwapRequest,
)
from portal.api.fields import EnumField
from portal.roles import is_read_only


class PersonRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["slug", "full_name", "email", "chat_handle"]


class EntityRefSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True)
    tier = serializers.IntegerField(read_only=True)

    class Meta:
        model = Entity
        fields = ["slug", "name", "kind", "tier"]


def person_field(**kwargs):
    return serializers.SlugRelatedField(slug_field="slug", queryset=Person.objects.all(), **kwargs)


def team_field(**kwargs):
    return serializers.SlugRelatedField(slug_field="slug", queryset=Team.objects.all(), **kwargs)


#
# Rotations, overrides, swaps
#


class RotationSerializer(serializers.ModelSerializer):
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    participants = serializers.SerializerMethodField()
    layers = serializers.ListField(child=serializers.CharField(), read_only=True)
    ical_url = serializers.SerializerMethodField()

    class Meta:
        model = Rotation
        fields = [
            "slug",
            "name",
            "team",
            "time_zone",
            "start_date",
            "handoff_weekday",
            "handoff_time",
            "shift_length_days",
            "has_secondary",
            "layers",
            "participants",
            "ical_url",
            "created",
            "updated",
        ]

    def get_participants(self, rotation) -> list[dict]:
        return [PersonRefSerializer(p.person).data for p in rotation.participants.all()]

    def get_ical_url(self, rotation) -> str | None:
        """The secret calendar URL, for engineers and leads (stakeholders read the portal instead)."""
        request = self.context.get("request")
        if request is None or is_read_only(request.user):
            return None
        return request.build_absolute_uri(reverse("oncall:ical-rotation", args=[rotation.ical_token]))


class RotationWriteSerializer(serializers.ModelSerializer):
    team = team_field()
    slug = serializers.SlugField(required=False, allow_blank=True, max_length=100)
    participants = serializers.ListField(child=person_field(), allow_empty=False, help_text="Person slugs, in order")
    force = serializers.BooleanField(
        required=False, default=False, write_only=True, help_text="Lead only: save even if R3 is broken"
    )

    class Meta:
        model = Rotation
        fields = [
            "team",
            "name",
            "slug",
            "time_zone",
            "start_date",
            "handoff_weekday",
            "handoff_time",
            "shift_length_days",
            "has_secondary",
            "participants",
            "force",
        ]
        # Uniqueness is checked by the service, which names the field.
        validators = []
        extra_kwargs = {"slug": {"validators": []}}


class ShiftSerializer(serializers.Serializer):
    rotation = serializers.CharField()
    layer = serializers.ChoiceField(choices=Layer.choices)
    person = PersonRefSerializer()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    override = serializers.IntegerField(allow_null=True, help_text="The override's id when one put them there")


class OnCallSerializer(serializers.Serializer):
    team = serializers.CharField()
    rotation = serializers.CharField()
    layer = serializers.ChoiceField(choices=Layer.choices)
    person = PersonRefSerializer(allow_null=True)
    since = serializers.DateTimeField(allow_null=True)
    until = serializers.DateTimeField(allow_null=True)
    override = serializers.IntegerField(allow_null=True)


class OverrideSerializer(serializers.ModelSerializer):
    rotation = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    person = PersonRefSerializer(read_only=True)

    class Meta:
        model = Override
        fields = ["id", "rotation", "layer", "person", "starts_at", "ends_at", "reason", "created"]


class OverrideWriteSerializer(serializers.Serializer):
    rotation = serializers.SlugRelatedField(slug_field="slug", queryset=Rotation.objects.select_related("team"))
    layer = serializers.ChoiceField(choices=Layer.choices, default=Layer.PRIMARY)
    person = person_field()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    force = serializers.BooleanField(required=False, default=False, help_text="Lead only: save even if R3 is broken")


class SwapRequestSerializer(serializers.ModelSerializer):
    rotation = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    requester = PersonRefSerializer(read_only=True)
    counterpart = PersonRefSerializer(read_only=True)
    status = EnumField(SwapStatus, read_only=True)

    class Meta:
        model = SwapRequest
        fields = [
            "id",
            "rotation",
            "layer",
            "requester",
            "requester_shift_start",
            "counterpart",
            "counterpart_shift_start",
            "message",
            "status",
            "created",
            "decided_at",
        ]


class SwapRequestWriteSerializer(serializers.Serializer):
    rotation = serializers.SlugRelatedField(slug_field="slug", queryset=Rotation.objects.select_related("team"))
    layer = serializers.ChoiceField(choices=Layer.choices, default=Layer.PRIMARY)
    requester = person_field(required=False, help_text="Defaults to you")
    requester_shift_start = serializers.DateTimeField(help_text="Any time within the shift you give away")
    counterpart = person_field()
    counterpart_shift_start = serializers.DateTimeField(help_text="Any time within the shift you take instead")
    message = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ForceSerializer(serializers.Serializer):
    force = serializers.BooleanField(required=False, default=False, help_text="Lead only: accept even if R3 breaks")


class FeedSerializer(serializers.Serializer):
    ical_url = serializers.URLField()


#
# Escalation
#


class EscalationStepSerializer(serializers.ModelSerializer):
    person = person_field(required=False, allow_null=True)
    kind = EnumField(StepKind)

    class Meta:
        model = EscalationStep
        fields = ["position", "kind", "person", "timeout_minutes"]
        read_only_fields = ["position"]


class EscalationPolicySerializer(serializers.ModelSerializer):
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    steps = EscalationStepSerializer(many=True, read_only=True)

    class Meta:
        model = EscalationPolicy
        fields = ["team", "name", "steps", "updated"]


class EscalationPolicyWriteSerializer(serializers.Serializer):
    team = team_field()
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    steps = EscalationStepSerializer(many=True, required=False, help_text="Defaults to the playbook's four steps")


class PageTargetSerializer(serializers.Serializer):
    team = serializers.CharField()
    policy = serializers.CharField(allow_null=True)
    step = serializers.IntegerField(help_text="1-based position of the step paged")
    kind = serializers.CharField(allow_null=True)
    person = PersonRefSerializer(allow_null=True)
    reason = serializers.CharField()
    pages_from = serializers.DateTimeField(allow_null=True)
    escalates_at = serializers.DateTimeField(allow_null=True)


#
# Incidents and postmortems
#


class IncidentEventSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.get_username", default=None, read_only=True)
    kind = EnumField(EventKind, read_only=True)

    class Meta:
        model = IncidentEvent
        fields = ["id", "at", "kind", "text", "author"]
        read_only_fields = ["id", "kind", "author"]
        extra_kwargs = {"at": {"required": False}}


class IncidentSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    commander = PersonRefSerializer(read_only=True)
    affected = EntityRefSerializer(many=True, read_only=True)
    severity = EnumField(Severity, read_only=True)
    status = EnumField(IncidentStatus, read_only=True)
    severity_definition = serializers.SerializerMethodField()
    postmortem = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id",
            "reference",
            "title",
            "severity",
            "severity_definition",
            "status",
            "description",
            "team",
            "affected",
            "commander",
            "root_cause_category",
            "started_at",
            "detected_at",
            "acknowledged_at",
            "mitigated_at",
            "resolved_at",
            "postmortem",
            "created",
            "updated",
        ]

    def get_severity_definition(self, incident) -> str:
        return SEVERITY_DEFINITIONS.get(incident.severity, "")

    def get_postmortem(self, incident) -> str | None:
        postmortem = getattr(incident, "postmortem", None)
        return postmortem.status if postmortem else None


class IncidentDetailSerializer(IncidentSerializer):
    events = IncidentEventSerializer(many=True, read_only=True)

    class Meta(IncidentSerializer.Meta):
        fields = [*IncidentSerializer.Meta.fields, "events"]


class IncidentWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    severity = EnumField(Severity)
    description = serializers.CharField(required=False, allow_blank=True)
    affected = serializers.ListField(
        child=serializers.SlugRelatedField(slug_field="slug", queryset=Entity.objects.all()),
        required=False,
        help_text="Slugs of affected services and data products",
    )
    team = team_field(required=False, allow_null=True, help_text="Defaults to the affected entity's owning team")
    commander = person_field(required=False, allow_null=True, help_text="Defaults to that team's primary on call")
    root_cause_category = serializers.ChoiceField(choices=RootCauseCategory.choices, required=False, allow_blank=True)
    started_at = serializers.DateTimeField(required=False)
    detected_at = serializers.DateTimeField(required=False)
    acknowledged_at = serializers.DateTimeField(required=False, allow_null=True)
    mitigated_at = serializers.DateTimeField(required=False, allow_null=True)
    resolved_at = serializers.DateTimeField(required=False, allow_null=True)


class IncidentStatusSerializer(serializers.Serializer):
    status = EnumField(IncidentStatus)
    at = serializers.DateTimeField(required=False, help_text="Defaults to now")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    root_cause_category = serializers.ChoiceField(choices=RootCauseCategory.choices, required=False, allow_blank=True)


class AcknowledgeSerializer(serializers.Serializer):
    at = serializers.DateTimeField(required=False, help_text="Defaults to now")


class ActionItemSerializer(serializers.ModelSerializer):
    owner = PersonRefSerializer(read_only=True)
    incident = serializers.IntegerField(source="postmortem.incident_id", read_only=True)
    postmortem = serializers.PrimaryKeyRelatedField(read_only=True)
    status = EnumField(ActionItemStatus, read_only=True)

    class Meta:
        model = ActionItem
        fields = ["id", "postmortem", "incident", "title", "owner", "deadline", "status", "done_at", "created"]


class ActionItemWriteSerializer(serializers.Serializer):
    postmortem = serializers.PrimaryKeyRelatedField(
        queryset=Postmortem.objects.select_related("incident"), required=False
    )
    title = serializers.CharField(max_length=300, required=False)
    owner = person_field(required=False, allow_null=True)
    deadline = serializers.DateField(required=False, allow_null=True)
    status = EnumField(ActionItemStatus, required=False)


class PostmortemSerializer(serializers.ModelSerializer):
    incident = IncidentSerializer(read_only=True)
    action_items = ActionItemSerializer(many=True, read_only=True)
    status = EnumField(PostmortemStatus, read_only=True)
    due_at = serializers.SerializerMethodField()

    class Meta:
        model = Postmortem
        fields = [
            "id",
            "incident",
            "status",
            "summary",
            "root_cause",
            "timeline",
            "analysis",
            "went_well",
            "to_improve",
            "action_items",
            "due_at",
            "published_at",
            "created",
            "updated",
        ]

    def get_due_at(self, postmortem) -> str | None:
        from oncall.rules import postmortem_due_at

        due = postmortem_due_at(postmortem.incident)
        return due.isoformat() if due else None


class PostmortemWriteSerializer(serializers.Serializer):
    summary = serializers.CharField(required=False, allow_blank=True)
    root_cause = serializers.CharField(required=False, allow_blank=True, max_length=300)
    timeline = serializers.CharField(required=False, allow_blank=True)
    analysis = serializers.CharField(required=False, allow_blank=True)
    went_well = serializers.CharField(required=False, allow_blank=True)
    to_improve = serializers.CharField(required=False, allow_blank=True)
    root_cause_category = serializers.ChoiceField(choices=RootCauseCategory.choices, required=False, allow_blank=True)


class PostmortemStatusSerializer(serializers.Serializer):
    status = EnumField(PostmortemStatus)


#
# Metrics
#


class MetricsQuerySerializer(serializers.Serializer):
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)
    team = team_field(required=False)


class MttrSerializer(serializers.Serializer):
    severity = serializers.CharField()
    resolved = serializers.IntegerField()
    mttr_seconds = serializers.FloatField(allow_null=True)
    target_seconds = serializers.FloatField(allow_null=True)
    meets_target = serializers.BooleanField(allow_null=True)


class TeamMonthSerializer(serializers.Serializer):
    month = serializers.DateField()
    team = serializers.CharField(allow_null=True)
    incidents = serializers.IntegerField()


class RateSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    count = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


class MetricsSerializer(serializers.Serializer):
    since = serializers.DateTimeField()
    until = serializers.DateTimeField()
    incidents = serializers.IntegerField()
    mttr = MttrSerializer(many=True)
    by_team_month = TeamMonthSerializer(many=True)
    repeat_incidents = RateSerializer(help_text="Same root-cause category within 90 days; target under 15 %")
    postmortems_on_time = RateSerializer(help_text="SEV1 postmortems published within 48 h of resolution (R5)")
    action_items_done = RateSerializer()
    action_items_overdue = serializers.IntegerField()
