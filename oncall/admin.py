"""Admin registrations for On-call: for inspection; changes belong in the pages and API (they audit)."""

from django.contrib import admin

from oncall.models import (
    ActionItem,
    EscalationPolicy,
    EscalationStep,
    Incident,
    IncidentEvent,
    Override,
    Postmortem,
    Rotation,
    RotationParticipant,
    SwapRequest,
)


class ParticipantInline(admin.TabularInline):
    model = RotationParticipant
    extra = 0


@admin.register(Rotation)
class RotationAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "time_zone", "shift_length_days", "handoff_weekday", "handoff_time"]
    list_select_related = ["team"]
    inlines = [ParticipantInline]


@admin.register(Override)
class OverrideAdmin(admin.ModelAdmin):
    list_display = ["rotation", "layer", "person", "starts_at", "ends_at"]
    list_select_related = ["rotation", "person"]


@admin.register(SwapRequest)
class SwapRequestAdmin(admin.ModelAdmin):
    list_display = ["rotation", "requester", "counterpart", "status", "created"]
    list_select_related = ["rotation", "requester", "counterpart"]


class StepInline(admin.TabularInline):
    model = EscalationStep
    extra = 0


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "team"]
    inlines = [StepInline]


class EventInline(admin.TabularInline):
    model = IncidentEvent
    extra = 0


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["title", "severity", "status", "team", "started_at", "resolved_at"]
    list_filter = ["severity", "status"]
    list_select_related = ["team"]
    inlines = [EventInline]


class ActionItemInline(admin.TabularInline):
    model = ActionItem
    extra = 0


@admin.register(Postmortem)
class PostmortemAdmin(admin.ModelAdmin):
    list_display = ["incident", "status", "published_at"]
    inlines = [ActionItemInline]
