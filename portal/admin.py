"""Admin for the audit trail (read-only) and API tokens."""

from django.contrib import admin

from portal.models import ApiToken, AuditEvent, Heartbeat


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created", "actor_repr", "verb", "target_repr"]
    list_filter = ["verb", "target_type"]
    search_fields = ["actor_repr", "verb", "target_repr", "message"]
    date_hierarchy = "created"

    # The trail is evidence: nobody edits or deletes it, not even from the admin.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "token_key", "created", "expiry", "last_used"]
    search_fields = ["name", "user__username"]
    readonly_fields = ["digest", "token_key", "user", "created", "last_used"]

    def has_add_permission(self, request):
        return False  # tokens are created on the My API tokens page, where the secret is shown once


admin.site.register(Heartbeat)
