"""Bulk loaders of the catalog: Backstage descriptors (backstage.py) and the fast row writer they share (bulk.py)."""
