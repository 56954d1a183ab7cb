"""App config for the catalog."""

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from catalog import cache, documents, panels, panels_slo

        cache.connect()
        documents.connect()
        panels.register()
        panels_slo.register()
