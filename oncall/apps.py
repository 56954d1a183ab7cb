"""App config for On-call."""

from django.apps import AppConfig


class OncallConfig(AppConfig):
    name = "oncall"
    verbose_name = "On-call"

    def ready(self) -> None:
        from catalog import cache
        from catalog.models import Person, Team
        from oncall import panels
        from oncall.models import Override, Rotation, RotationParticipant
        from oncall.selectors import NOW_GENERATION, PEOPLE_GENERATION, ROSTER_GENERATION

        panels.register()
        # What "who is on call now" shows: its cached answers are kept apart from the catalog's, so catalog traffic
        # (measurements, entity edits) does not throw them away.
        cache.watch(Rotation, RotationParticipant, Override, Person, Team, generation_key=NOW_GENERATION)
        # What that answer is read from, but for the overrides: kept per process (oncall/selectors.py), the rotations
        # apart from the people. Overrides and swaps are audited on their rotation, but change none of it.
        cache.watch(
            Rotation, RotationParticipant, Team, generation_key=ROSTER_GENERATION, unless_verbs=("override.", "swap.")
        )
        cache.watch(Person, generation_key=PEOPLE_GENERATION)
