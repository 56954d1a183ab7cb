"""Apply the circuit breaker (R13) now: building cycles whose build weeks are over move to cool-down."""

from django.core.management.base import BaseCommand

from planning.services import cycles_trip_circuit_breakers


class Command(BaseCommand):
    help = "Cut the unfinished bets of every cycle whose build weeks are over, and move it to cool-down."

    def handle(self, *args, **options):
        cycles = cycles_trip_circuit_breakers()
        self.stdout.write(f"circuit breaker tripped for {len(cycles)} cycle(s)")
