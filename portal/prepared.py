"""Reads that run on every API request, as server-side prepared statements on PostgreSQL: planned once per
connection instead of once per request.

Django binds parameters on the client (psycopg's ClientCursor), so PostgreSQL plans every query anew. Planning an
entity with its owners and dependencies as JSON columns took 1.0 ms against 0.2 ms of execution, and even the count
of a filtered list spent longer in planning than in running (docs/benchmarks.md). Inside `server_binding()` the
connection's cursors bind on the server, and psycopg prepares a query the second time it runs on a connection
(`prepare_threshold=1`, from `DATABASE_PREPARED_STATEMENTS`, on by default); PostgreSQL then reuses one plan for it.
Only reads whose best plan does not depend on their values are run so (rows by id or slug, a token by its key; the
overrides covering an instant, a range, because overrides are few and nearly every read asks about now): a filtered
list's count and ids are not, as a generic plan would serve a team of 5 entities and one of 5,000 alike.

Only queries run inside `server_binding()` are affected: the rest of Django keeps client-side binding, which every
ORM query is written for. Where prepared statements are off (SQLite, or `DATABASE_PREPARED_STATEMENTS=false`
behind a pooler that cannot keep them) `server_binding()` changes nothing.

`statements_prepared` runs whole service calls so: the self-service submit and execution, which repeat the same
dozen writes for every request (their values never change a plan).

Building a query with the ORM can cost more than running it, so the hottest ones are built once per process from a
queryset that filters on placeholder values (`compile_with_probes`) and only re-bound afterwards (`records`,
`values_list`).
"""

import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from types import SimpleNamespace

from django.db import DatabaseError, connections
from django.db.models import Model, QuerySet


@dataclass(frozen=True)
class Compiled:
    """A query's SQL and parameters, with the positions (`slots`) of the values `bind` replaces."""

    sql: str
    params: tuple
    slots: tuple[int, ...]

    def bind(self, values: Sequence, connection) -> list:
        bound = list(self.params)
        typed = _typed if connection.vendor == "postgresql" else lambda value: value
        for slot, value in zip(self.slots, values, strict=True):
            bound[slot] = typed(value)
        return bound


def compile_with_probes(queryset: QuerySet, probes: Sequence, ordered: bool = False) -> Compiled:
    """The SQL of `queryset`, which filters on `probes`: placeholder values the ORM passes through unchanged and
    that no query parameter of its own can equal (negative ids, slugs with a NUL, instants in year 1), so their
    positions among the query's parameters can be found and re-bound. Its ordering is dropped unless `ordered`."""
    sql, params = (queryset if ordered else queryset.order_by()).query.sql_with_params()
    return Compiled(sql, tuple(params), tuple(params.index(probe) for probe in probes))


def placeholders(count: int, numeric: bool) -> list:
    """`count` probe values for `compile_with_probes`: negative ids, or text with a NUL (which no slug has)."""
    return probes_of((int if numeric else str,) * count)


PROBE_INSTANT = datetime(1, 1, 1, tzinfo=UTC)  # no row of ours is that old
PROBE_MAKERS = {  # the probe kinds: a maker of the i-th probe of each
    datetime: lambda i: PROBE_INSTANT + timedelta(microseconds=i),
    int: lambda i: -(10**9) - i,
    str: lambda i: f"\x00probe-{i}",
}
PROBE_KINDS = (bool, *PROBE_MAKERS)  # bool before int, which it subclasses: no probe for it


def kind_of(value) -> type:
    """The probe kind of a value to bind: int, str or datetime, subclasses included (choices, for one); a naive
    instant is refused, as PostgreSQL would read it in the session's zone where the ORM makes it aware."""
    kind = type(value)
    if kind not in PROBE_KINDS:  # a page of ids is 50 exact ints: the subclass search only for the rest
        kind = next((known for known in PROBE_KINDS if isinstance(value, known)), kind)
    if kind is datetime and value.tzinfo is None:
        raise ValueError(f"a naive datetime ({value}) cannot be bound: give it a time zone")
    return kind


def probes_of(kinds: Sequence[type]) -> list:
    """A probe value per type in `kinds` (int, str or datetime), each distinct from the others."""
    unknown = set(kinds) - set(PROBE_MAKERS)
    if unknown:
        raise TypeError(f"no probe for values of type {', '.join(sorted(kind.__name__ for kind in unknown))}")
    return [PROBE_MAKERS[kind](i) for i, kind in enumerate(kinds)]


def prepares(connection) -> bool:
    threshold = connection.settings_dict["OPTIONS"].get("prepare_threshold")
    return connection.vendor == "postgresql" and threshold is not None


@contextmanager
def server_binding(using: str = "default") -> Iterator[None]:
    """Queries inside bind their parameters on the server, so psycopg prepares those that repeat."""
    connection = connections[using]
    if not prepares(connection):
        yield
        return
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.close_if_health_check_failed()  # before the swap: a failed check replaces the connection
    connection.ensure_connection()
    driver, features = connection.connection, connection.features
    previous = driver.cursor_factory, features.__dict__.get("uses_server_side_binding")
    driver.cursor_factory = ServerBindingCursor
    features.uses_server_side_binding = True  # Django then logs such a query's SQL with its values, as for others
    try:
        yield
    finally:
        driver.cursor_factory = previous[0]
        if previous[1] is None:
            features.__dict__.pop("uses_server_side_binding", None)
        else:
            features.uses_server_side_binding = previous[1]


def _typed(value):
    # psycopg sends a Python int as int2, int4 or int8 by its size, and keeps a prepared statement per parameter
    # types: one type for every id keeps one statement per query shape (a page of ids mixes sizes at 100,000).
    from psycopg.types.numeric import Int8

    return Int8(value) if type(value) is int else value


def _run(connection, compiled: Compiled, values: Sequence, names: bool) -> tuple[tuple[str, ...], list[tuple]]:
    """(column names if asked, rows) of the compiled query, run prepared where the database allows. (psycopg builds
    the description's columns anew each time: about as long as the rest of a token check's Python.)"""

    def run():
        with server_binding(connection.alias), connection.cursor() as cursor:
            cursor.execute(compiled.sql, compiled.bind(values, connection))
            columns = tuple(column[0] for column in cursor.description) if names else ()  # DB-API: name first
            return columns, cursor.fetchall()

    return _again_if_lost(connection, run)


def _again_if_lost(connection, run: Callable):
    """`run()`, and once more on a new connection if a prepared statement under it was lost.

    A prepared statement outlives a change of the table under it: after a migration that changes a selected
    column's type PostgreSQL refuses it ("cached plan must not change result type"), and a pooler that lost the
    server's session has none ("prepared statement does not exist"). psycopg keeps such a statement, so the
    connection is closed (its statements go with it) and, outside a transaction, `run` is called once more.
    """
    for attempt in (1, 2):
        try:
            return run()
        except DatabaseError as error:
            if not (prepares(connection) and _lost_statement(error)):
                raise
            connection.close()
            if attempt == 2 or connection.in_atomic_block:
                raise
    raise AssertionError("unreachable")


def statements_prepared(function: Callable) -> Callable:
    """Run `function` with its queries bound on the server, so that psycopg prepares those that repeat and
    PostgreSQL plans them once per connection (the self-service writes: a third of PostgreSQL's time per request).
    If a statement was lost under it, it is called once more on a new connection (outside a transaction), so
    `function` must be one transaction or safe to run again."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        def run():
            with server_binding():
                return function(*args, **kwargs)

        return _again_if_lost(connections["default"], run)

    return wrapper


def _lost_statement(error: DatabaseError) -> bool:
    from psycopg import errors

    cause = error.__cause__
    if isinstance(cause, errors.FeatureNotSupported):  # 0A000 covers more than this one message
        return "cached plan must not change result type" in str(cause)
    return isinstance(cause, errors.InvalidSqlStatementName)


def rows(compiled: Compiled, values: Sequence, using: str = "default") -> list[tuple]:
    """The rows of the compiled query with `values` bound, as psycopg loads them, prepared where the database allows."""
    return _run(connections[using], compiled, values, names=False)[1]


def records(model: type[Model], compiled: Compiled, values: Sequence, using: str = "default") -> list:
    """The rows of the compiled query with `values` bound, prepared where the database allows, as plain records:
    one attribute per column, the model's fields converted as the ORM converts them, other columns (annotations)
    as the database gives them. Building model instances instead took a third of a list's Python time."""
    connection = connections[using]
    columns, fetched = _run(connection, compiled, values, names=True)
    converters = _converters(model, columns, connection)
    found = []
    for row in fetched:
        row = list(row)
        for index, functions, expression in converters:
            for function in functions:
                row[index] = function(row[index], expression, connection)
        found.append(SimpleNamespace(**dict(zip(columns, row, strict=True))))
    return found


def _converters(model: type[Model], columns: tuple[str, ...], connection) -> list[tuple[int, list, object]]:
    """Per column of a model field that needs it: the backend's and the field's converters (SQLite's datetimes)."""
    fields = {field.column: field for field in model._meta.concrete_fields}
    found = []
    for index, column in enumerate(columns):
        if column in fields:
            expression = fields[column].get_col(fields[column].model._meta.db_table)
            functions = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
            if functions:
                found.append((index, functions, expression))
    return found


def values_list(
    build: Callable[[Sequence], QuerySet], values: Sequence, using: str = "default", ordered: bool = False
) -> list[tuple]:
    """The rows of the `values_list()` queryset `build(values)` (in its order if `ordered`). Where statements are
    prepared, its SQL is built once per function and types of values (from `build(probes)`: ids, text or instants)
    and its rows are what psycopg loads: refused for columns that need Django's converters (JSON, for one), which
    `records()` applies. Elsewhere the queryset itself."""
    connection = connections[using]
    if not prepares(connection):
        return list(build(values))
    kinds = tuple(kind_of(value) for value in values)
    return rows(_compiled_values(build, kinds, using, ordered), values, using)


def instance_by(model: type[Model], field: str, value, using: str = "default") -> Model | None:
    """The `model` instance whose `field` is `value`, or None: see `instances_by`."""
    found = instances_by(model, field, [value], using)
    return found[0] if found else None


def instances_by(model: type[Model], field: str, values: Sequence, using: str = "default") -> list[Model]:
    """The `model` instances whose `field` is one of `values` (in no particular order): `values_list` of its
    concrete fields, so one prepared query on PostgreSQL (for models with no field that needs Django's converters)."""
    names, build = _by_field(model, field)
    return [model.from_db(using, names, row) for row in values_list(build, values, using)]


def field_names(model: type[Model]) -> list[str]:
    """The columns of `model` as `values_list` reads them and `model.from_db` takes them back."""
    return [concrete.attname for concrete in model._meta.concrete_fields]


@cache
def _by_field(model: type[Model], field: str) -> tuple[list[str], Callable[[Sequence], QuerySet]]:
    names = field_names(model)
    return names, lambda values: model._default_manager.filter(**{f"{field}__in": values}).values_list(*names)


@cache
def _compiled_values(
    build: Callable[[Sequence], QuerySet], kinds: tuple[type, ...], using: str, ordered: bool
) -> Compiled:
    probes = probes_of(kinds)
    queryset = build(probes)
    compiled = compile_with_probes(queryset, probes, ordered)
    compiler = queryset.query.get_compiler(using)
    compiler.setup_query()
    if compiler.get_converters([column for column, _sql, _alias in compiler.select]):
        raise ValueError(f"{queryset.model.__name__}: a column needs Django's converters; read it with records()")
    return compiled
