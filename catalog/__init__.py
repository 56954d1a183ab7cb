"""Catalog: who owns what, what each service and data product is and promises."""
