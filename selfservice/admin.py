"""Admin for self-service: requests are read-only here; their lifecycle belongs to the services."""

from django.contrib import admin

from selfservice.models import Request, RequestEvent


class RequestEventInline(admin.TabularInline):
    model = RequestEvent
    extra = 0
    can_delete = False
    readonly_fields = ["created", "actor_repr", "kind", "from_status", "to_status", "message"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Request)
class RequestAdmin(admin.ModelAdmin):
    list_display = ["id", "action", "status", "requester", "team", "created"]
    list_filter = ["status", "action", "sandbox"]
    search_fields = ["parameters", "requester__username"]
    inlines = [RequestEventInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Request._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
