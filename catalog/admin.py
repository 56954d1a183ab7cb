"""Admin for the catalog."""

from django.contrib import admin

from catalog.models import Membership, Person, Team


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["person"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "email"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["full_name", "title", "email", "user"]
    search_fields = ["full_name", "email"]
    prepopulated_fields = {"slug": ["full_name"]}
