"""Admin registrations for planning: read-mostly views for support; the pages and API do the writes."""

from django.contrib import admin

from planning.models import Absence, Bet, Cycle, HillUpdate, Pitch, RoadmapItem, Scope


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    list_display = ["name", "state", "start_date", "build_weeks", "cooldown_weeks"]
    list_filter = ["state"]


@admin.register(Pitch)
class PitchAdmin(admin.ModelAdmin):
    list_display = ["title", "appetite", "status", "roadmap_item"]
    list_filter = ["status", "appetite"]
    search_fields = ["title"]


@admin.register(Bet)
class BetAdmin(admin.ModelAdmin):
    list_display = ["pitch", "cycle", "team", "status"]
    list_filter = ["status", "cycle"]


admin.site.register([RoadmapItem, Scope, HillUpdate, Absence])
