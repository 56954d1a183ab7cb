"""Send a task through the broker to a Celery worker and wait for its answer."""

import time

from celery.exceptions import TimeoutError as CeleryTimeout
from django.core.management.base import BaseCommand, CommandError

from portal.tasks import ping


class Command(BaseCommand):
    help = "Round-trip a task through the broker and a worker; fails if no worker answers in time."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=30.0)

    def handle(self, *args, timeout, **options):
        started = time.perf_counter()
        result = ping.delay("portal")
        try:
            answer = result.get(timeout=timeout)
        except CeleryTimeout:
            raise CommandError(
                f"No worker answered within {timeout:g} s (task {result.id}). Is a worker running?"
            ) from None
        elapsed = (time.perf_counter() - started) * 1000
        self.stdout.write(f"{answer['reply']} from {answer['worker']} in {elapsed:.0f} ms")
