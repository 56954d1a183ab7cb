"""App config for the catalog."""

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from catalog import cache, documents, panels, panels_slo, permissions

        # A migration or a test's flush may give the permission rows new ids.
        post_migrate.connect(
            lambda **kwargs: permissions.change_entity_permission.cache_clear(),
            weak=False,
            dispatch_uid="catalog-forget-permission",
        )
        cache.connect()
        documents.connect()
        panels.register()
        panels_slo.register()
