"""App config for Self-service."""

from django.apps import AppConfig


class SelfserviceConfig(AppConfig):
    name = "selfservice"
    verbose_name = "Self-service"

    def ready(self) -> None:
        from selfservice import panels

        panels.register()
        from selfservice.datahub import signals  # noqa: F401 (DataHub publication on catalog changes)
