"""Publish every catalog data product to DataHub now (or queue them with --queue)."""

from django.core.management.base import BaseCommand, CommandError

from selfservice.datahub import services


class Command(BaseCommand):
    help = "Publish every data product (domains, owners, links) to DataHub; idempotent upserts."

    def add_arguments(self, parser):
        parser.add_argument("--queue", action="store_true", help="Queue one Celery task per data product instead")

    def handle(self, *args, queue: bool = False, **options):
        if not services.is_configured():
            raise CommandError("DATAHUB_GMS_URL is not set: there is no DataHub to publish to.")
        if queue:
            count = services.publish_all_enqueue(actor=None)
            self.stdout.write(f"Queued {count} data product(s) for DataHub.")
            return
        failed = 0
        ids = services.data_products_to_publish()
        for entity_id in ids:
            publication = services.data_product_publish(entity_id=entity_id)
            if publication is not None and publication.status == "failed":
                failed += 1
                self.stderr.write(f"{publication.urn}: {publication.last_error}")
        self.stdout.write(f"Published {len(ids) - failed} of {len(ids)} data product(s) to DataHub.")
        if failed:
            raise CommandError(f"{failed} data product(s) failed; see above.")
