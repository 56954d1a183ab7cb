"""Load the demo organisation and its data; idempotent, so running it twice changes nothing."""

from importlib import import_module, util

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from portal import audit

# Order matters: later apps refer to the catalog's teams and people.
DEMO_APPS = ["catalog", "selfservice", "oncall", "planning"]


class Command(BaseCommand):
    help = "Create the seeds' organisation (lead, four subteams, a stakeholder) and each app's demo data."

    def handle(self, *args, **options):
        created = 0
        with transaction.atomic():
            for label in DEMO_APPS:
                module_name = f"{apps.get_app_config(label).name}.demo"
                if util.find_spec(module_name) is None:
                    continue
                created += import_module(module_name).load(stdout=self.stdout)
            if created:
                audit.record(actor=None, verb="demo.loaded", message=f"{created} demo rows created")
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded ({created} rows created)."))
        from catalog.demo import DEMO_LOGINS

        self.stdout.write(f"Demo logins (password: {settings.PORTAL_DEMO_PASSWORD}):")
        for username, role, title in DEMO_LOGINS:
            self.stdout.write(f"  {username:<8} {role:<12} {title}")
