"""App config for On-call."""

from django.apps import AppConfig


class OncallConfig(AppConfig):
    name = "oncall"
    verbose_name = "On-call"

    def ready(self) -> None:
        from catalog import cache
        from oncall import panels
        from oncall.models import Override, Rotation, RotationParticipant

        panels.register()
        cache.watch(Rotation, RotationParticipant, Override)  # "who is on call now" is cached with the catalog
