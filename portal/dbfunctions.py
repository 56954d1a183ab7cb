"""Database functions Django lacks across backends: a JSON array aggregate for PostgreSQL and SQLite.

A list page reads each row's owners and dependencies as one JSON column built by the database (a correlated
subquery per row, served by an index), instead of one prefetch query per relation: fewer round trips per request.
"""

from django.db.models import Aggregate, JSONField


class JSONList(Aggregate):
    """The aggregated values as a JSON array (jsonb_agg on PostgreSQL, json_group_array on SQLite); NULL for no
    rows, as SQL aggregates are, so callers read `value or []`."""

    function = "JSONB_AGG"  # jsonb: Django reads it as text and decodes it, as for JSONField columns
    output_field = JSONField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="JSON_GROUP_ARRAY", **extra_context)
