"""App config for On-call."""

from django.apps import AppConfig


class OncallConfig(AppConfig):
    name = "oncall"
    verbose_name = "On-call"

    def ready(self) -> None:
        from oncall import panels

        panels.register()
