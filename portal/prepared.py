"""Hot reads of a fixed shape, run as server-side prepared statements on PostgreSQL: planned once per connection.

Django binds parameters on the client (psycopg's ClientCursor) and so never prepares: PostgreSQL plans every query
anew. For an entity with its owners and dependencies as JSON columns that planning is 1.0 ms against 0.2 ms of
execution (docs/benchmarks.md). The few reads that run on every API request build their SQL once per process from
a queryset (`compile_with_probes`) and run it through `raw()`, which binds on the server; psycopg then prepares it
on first use on each connection (`prepare_threshold=0`, set in the settings) and re-runs the plan afterwards.

Only these queries are prepared: Django's own cursors still bind on the client. Where prepared statements are off
(SQLite, or `DATABASE_PREPARED_STATEMENTS=false` behind a pooler that cannot keep them) `raw()` runs the same SQL
as a plain query.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import RawQuerySet
from django.db.models.sql.query import RawQuery


@dataclass(frozen=True)
class Compiled:
    """A query's SQL and parameters, with the positions (`slots`) of the values `bind` replaces."""

    sql: str
    params: tuple
    slots: tuple[int, ...]

    def bind(self, values: Sequence) -> list:
        bound = list(self.params)
        for slot, value in zip(self.slots, values, strict=True):
            bound[slot] = value
        return bound


def compile_with_probes(queryset: QuerySet, probes: Sequence) -> Compiled:
    """The SQL of `queryset`, which filters on `probes`: placeholder values the ORM passes through unchanged and
    that no query parameter of its own can equal (negative ids, slugs with a NUL), so their positions among the
    query's parameters can be found and re-bound."""
    sql, params = queryset.order_by().query.sql_with_params()
    return Compiled(sql, tuple(params), tuple(params.index(probe) for probe in probes))


def _prepares(connection) -> bool:
    return connection.vendor == "postgresql" and connection.settings_dict["OPTIONS"].get("prepare_threshold") == 0


def _server_binding_cursor(connection):
    """A cursor of the connection that binds on the server (so psycopg prepares its queries), wrapped as Django
    wraps its own (query logging, execute wrappers, database errors)."""
    from django.db.backends.postgresql.base import ServerBindingCursor
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.postgres import types
    from psycopg.pq import Format

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        cursor = ServerBindingCursor(connection.connection)
        # As Django's create_cursor: the connection's time zone loader may predate a change of settings.TIME_ZONE.
        loader = connection.connection.adapters.get_loader(types["timestamptz"].oid, Format.TEXT)
        if connection.timezone != loader.timezone:
            register_tzloader(connection.timezone, cursor)
    connection.validate_thread_sharing()
    if connection.queries_logged:
        return _logged_as_written()(cursor, connection)
    return connection.make_cursor(cursor)


@cache
def _logged_as_written() -> type:
    """Django's debug cursor (assertNumQueries, DEBUG) logging the SQL as written: it logs the text psycopg sent,
    which a query bound on the server does not have."""
    from django.db.backends.postgresql.base import CursorDebugWrapper

    class LoggedAsWritten(CursorDebugWrapper):
        def debug_sql(self, sql=None, params=None, use_last_executed_query=False, many=False):
            return super().debug_sql(sql, params, use_last_executed_query=False, many=many)

    return LoggedAsWritten


def _typed(value):
    # psycopg sends a Python int as int2, int4 or int8 by its size, and a prepared statement is kept per parameter
    # types: one type for every id keeps one statement per query shape.
    from psycopg.types.numeric import Int8

    return Int8(value) if type(value) is int else value


class _PreparedRawQuery(RawQuery):
    def _execute_query(self) -> None:
        connection = connections[self.using]
        if not _prepares(connection):
            super()._execute_query()
            return
        self.cursor = _server_binding_cursor(connection)
        self.cursor.execute(self.sql, [_typed(value) for value in self.params])

    def clone(self, using):
        return _PreparedRawQuery(self.sql, using, params=self.params)


def values_list(build: Callable[[Sequence], QuerySet], values: Sequence, using: str = "default") -> list[tuple]:
    """The rows of the `values_list()` queryset `build(values)`. Where statements are prepared, its SQL is built
    once per function and number of values (from `build(probes)`) and its rows are what psycopg loads: refused for
    columns that need Django's converters (JSON, for one), which `raw()` applies. Elsewhere the queryset itself."""
    connection = connections[using]
    if not _prepares(connection):
        return list(build(values))
    compiled = _compiled_values(build, len(values), using)
    with _server_binding_cursor(connection) as cursor:
        cursor.execute(compiled.sql, [_typed(value) for value in compiled.bind(values)])
        return cursor.fetchall()


@cache
def _compiled_values(build: Callable[[Sequence], QuerySet], count: int, using: str) -> Compiled:
    probes = [f"\x00probe-{i}" for i in range(count)]
    queryset = build(probes)
    compiled = compile_with_probes(queryset, probes)
    compiler = queryset.query.get_compiler(using)
    compiler.setup_query()
    if compiler.get_converters([column for column, _sql, _alias in compiler.select]):
        raise ValueError(f"{queryset.model.__name__}: a column needs Django's converters; read it with raw()")
    return compiled


def raw(model: type[Model], compiled: Compiled, values: Sequence, using: str = "default") -> RawQuerySet:
    """`model.objects.raw()` of the compiled query with `values` bound, prepared where the database allows."""
    params = compiled.bind(values)
    query = _PreparedRawQuery(compiled.sql, using, params=params)
    return RawQuerySet(compiled.sql, model=model, query=query, params=params, using=using)
