"""App config for planning (Shape Up)."""

from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "planning"
    verbose_name = "Planning"

    def ready(self) -> None:
        from planning import panels

        panels.register()
