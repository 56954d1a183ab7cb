"""Scheduled work of planning: the circuit breaker (R13) at the end of each cycle's build weeks."""

from celery import shared_task


@shared_task(name="planning.trip_circuit_breakers", acks_late=True)
def trip_circuit_breakers() -> str:
    from planning.services import cycles_trip_circuit_breakers  # keeps the task thin, avoids an import cycle

    cycles = cycles_trip_circuit_breakers()
    return f"circuit breaker tripped for {len(cycles)} cycle(s): {', '.join(c.slug for c in cycles) or 'none'}"
