"""Serializers of planning's API: read serializers show, write serializers parse; services decide."""

from django.utils import timezone
from rest_framework import serializers

from catalog.models import Entity, Person, Team
from planning import rules
from planning.choices import Appetite, BetStatus, CycleState, PitchStatus
from planning.hill import hill_point
from planning.models import Absence, Bet, Cycle, HillUpdate, Pitch, PitchSketch, RoadmapItem, Scope
from portal.api.fields import EnumField


class CycleSerializer(serializers.ModelSerializer):
    build_end = serializers.DateField(read_only=True, help_text="First day after the build weeks")
    end_date = serializers.DateField(read_only=True, help_text="First day after the cool-down")
    state = EnumField(CycleState, read_only=True)

    class Meta:
        model = Cycle
        fields = ["id", "name", "slug", "start_date", "build_weeks", "cooldown_weeks", "build_end", "end_date", "state"]
        read_only_fields = ["slug", "state"]


class CycleWriteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Cycle
        fields = ["name", "start_date", "build_weeks", "cooldown_weeks"]
        extra_kwargs = {"name": {"validators": []}}  # the service checks uniqueness, once


class CycleTransitionSerializer(serializers.Serializer):
    state = EnumField(CycleState)


class PersonCapacitySerializer(serializers.Serializer):
    person = serializers.CharField(source="person.slug")
    full_name = serializers.CharField(source="person.full_name")
    weeks = serializers.DecimalField(max_digits=6, decimal_places=1)
    away_weeks = serializers.DecimalField(max_digits=6, decimal_places=1)
    oncall_weeks = serializers.DecimalField(max_digits=6, decimal_places=1)
    available_weeks = serializers.DecimalField(max_digits=6, decimal_places=1)


class TeamCapacitySerializer(serializers.Serializer):
    team = serializers.CharField(source="team.slug")
    people = PersonCapacitySerializer(many=True)
    capacity_weeks = serializers.DecimalField(max_digits=7, decimal_places=1)
    committed_weeks = serializers.DecimalField(max_digits=7, decimal_places=1)
    left_weeks = serializers.DecimalField(max_digits=7, decimal_places=1)
    over_committed = serializers.BooleanField()


class ReportRowSerializer(serializers.Serializer):
    bet = serializers.IntegerField(source="bet.pk")
    pitch = serializers.CharField(source="bet.pitch.slug")
    status = serializers.CharField(source="bet.status")
    appetite_weeks = serializers.IntegerField()
    taken_weeks = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)


class TeamReportSerializer(serializers.Serializer):
    team = serializers.CharField(source="team.slug")
    shipped = ReportRowSerializer(many=True)
    not_shipped = ReportRowSerializer(many=True)
    building = ReportRowSerializer(many=True)


class RoadmapItemSerializer(serializers.ModelSerializer):
    pitches = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = RoadmapItem
        fields = ["id", "title", "slug", "description", "position", "pitches"]
        read_only_fields = ["slug"]
        extra_kwargs = {"title": {"validators": []}}


class PitchSketchSerializer(serializers.ModelSerializer):
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = PitchSketch
        fields = ["id", "name", "url", "created"]


class PitchSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", default=None, read_only=True)
    roadmap_item = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    entities = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    sketches = PitchSketchSerializer(many=True, read_only=True)
    status = EnumField(PitchStatus, read_only=True)
    appetite = EnumField(Appetite, read_only=True)

    class Meta:
        model = Pitch
        fields = [
            "id", "slug", "title", "problem", "appetite", "solution", "rabbit_holes", "no_gos", "author", "status",
            "roadmap_item", "entities", "sketches", "created", "updated",
        ]  # fmt: skip


class PitchWriteSerializer(serializers.ModelSerializer):
    roadmap_item = serializers.SlugRelatedField(
        slug_field="slug", queryset=RoadmapItem.objects.all(), required=False, allow_null=True
    )
    entities = serializers.SlugRelatedField(slug_field="slug", queryset=Entity.objects.all(), many=True, required=False)
    appetite = EnumField(Appetite, required=False)

    class Meta:
        model = Pitch
        fields = ["title", "problem", "appetite", "solution", "rabbit_holes", "no_gos", "roadmap_item", "entities"]


class PitchTransitionSerializer(serializers.Serializer):
    status = EnumField(PitchStatus)


class SketchUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class BetSerializer(serializers.ModelSerializer):
    cycle = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    pitch = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    people = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    placed_by = serializers.CharField(source="placed_by.username", default=None, read_only=True)
    status = EnumField(BetStatus, read_only=True)

    class Meta:
        model = Bet
        fields = ["id", "cycle", "pitch", "team", "people", "status", "reason", "placed_by", "placed_at", "finished_at"]


class BetWriteSerializer(serializers.Serializer):
    cycle = serializers.SlugRelatedField(slug_field="slug", queryset=Cycle.objects.all())
    pitch = serializers.SlugRelatedField(slug_field="slug", queryset=Pitch.objects.all())
    team = serializers.SlugRelatedField(slug_field="slug", queryset=Team.objects.filter(parent__isnull=False))
    people = serializers.SlugRelatedField(slug_field="slug", queryset=Person.objects.all(), many=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class BetPreviewSerializer(serializers.Serializer):
    problems = serializers.DictField(child=serializers.CharField())
    over_committed = serializers.BooleanField()
    message = serializers.CharField(allow_blank=True)
    capacity = TeamCapacitySerializer()


class ScopeSerializer(serializers.ModelSerializer):
    phase = serializers.SerializerMethodField()
    stale = serializers.SerializerMethodField()

    class Meta:
        model = Scope
        fields = ["id", "bet", "title", "position", "phase", "moved_at", "stale", "created"]

    def get_phase(self, scope) -> str:
        return rules.hill_phase(scope.position)

    def get_stale(self, scope) -> bool:
        """Not moved for N days while its bet is being built: flagged for the lead's check-in."""
        building = scope.bet.status == "building" and scope.bet.cycle.state == CycleState.BUILDING
        return building and bool(rules.stale_scopes([scope], now=timezone.now()))


class ScopeWriteSerializer(serializers.Serializer):
    bet = serializers.PrimaryKeyRelatedField(queryset=Bet.objects.select_related("team", "cycle"))
    title = serializers.CharField(max_length=200)


class ScopeMoveSerializer(serializers.Serializer):
    position = serializers.IntegerField(min_value=0, max_value=100)
    note = serializers.CharField()


class HillUpdateSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", default=None, read_only=True)

    class Meta:
        model = HillUpdate
        fields = ["id", "scope", "position", "note", "author", "recorded_at"]


class HillDotSerializer(serializers.Serializer):
    title = serializers.CharField(source="label")
    position = serializers.IntegerField()
    phase = serializers.SerializerMethodField()
    stale = serializers.BooleanField()
    x = serializers.SerializerMethodField()
    y = serializers.SerializerMethodField()

    def get_phase(self, dot) -> str:
        return rules.hill_phase(dot.position)

    def get_x(self, dot) -> float:
        return hill_point(dot.position)[0]

    def get_y(self, dot) -> float:
        return hill_point(dot.position)[1]


class HillSerializer(serializers.Serializer):
    at = serializers.DateField(allow_null=True)
    scopes = HillDotSerializer(many=True)


class AbsenceSerializer(serializers.ModelSerializer):
    person = serializers.SlugRelatedField(slug_field="slug", queryset=Person.objects.all())

    class Meta:
        model = Absence
        fields = ["id", "person", "start_date", "end_date", "reason"]
