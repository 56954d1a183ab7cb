"""Build every entity's stored API document now, rather than on its first read (catalog/api/documents.py)."""

import time

from django.core.management.base import BaseCommand

from catalog.api import documents


class Command(BaseCommand):
    help = "Build the stored API documents of all services and data products (after an upgrade, or a time zone change)."

    def handle(self, *args, **options):
        started = time.perf_counter()
        count = documents.refresh()
        self.stdout.write(f"Built {count} document(s) in {time.perf_counter() - started:.1f} s.")
