"""Generate a large, deterministic catalog for benchmarks (bulk inserts; slugs start with 'gen-')."""

import time

from django.core.management.base import BaseCommand, CommandError

from catalog.importers.generate import Sizes, delete_generated, generate, generated_exists


class Command(BaseCommand):
    help = "Generate teams, people, services and data products with RACI, versions and runbooks (seeded)."

    def add_arguments(self, parser):
        parser.add_argument("--entities", type=int, default=100_000)
        parser.add_argument("--people", type=int, default=2_000)
        parser.add_argument("--teams", type=int, default=200)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--replace", action="store_true", help="delete an earlier generated catalog first")

    def handle(self, *args, entities, people, teams, seed, replace, **options):
        if min(entities, people, teams) < 1:
            raise CommandError("--entities, --people and --teams must be at least 1.")
        if generated_exists():
            if not replace:
                raise CommandError("A generated catalog exists already; pass --replace to regenerate it.")
            delete_generated()
        started = time.perf_counter()
        counts = generate(actor=None, sizes=Sizes(entities=entities, people=people, teams=teams, seed=seed))
        elapsed = time.perf_counter() - started
        summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
        self.stdout.write(f"Generated {summary} in {elapsed:.1f} s")
