"""App config for the project package, which also holds the audit trail and API tokens."""

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        from portal import panels
        from portal.api import checked_tokens, schema  # noqa: F401 (schema registers the OpenAPI token scheme)

        panels.register()
        checked_tokens.connect_signals()
