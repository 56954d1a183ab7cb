"""Fast inserts for large loads: PostgreSQL COPY, plain executemany elsewhere (SQLite).

Multi-table models (Service and DataProduct are Entity rows) cannot go through `bulk_create`, and 100,000 rows
through the ORM take minutes; COPY takes seconds. Callers give explicit columns and values: no model defaults,
no signals, no validation, so they validate first.
"""

from collections.abc import Iterable, Iterator, Sequence

from django.db import connection

from catalog import cache as catalog_cache

LOADED_TABLES = ("catalog_entity", "catalog_service", "catalog_dataproduct", "catalog_ownership", "catalog_dependency")


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert `rows` (tuples in `columns` order) into `table`; returns how many were written."""
    rows = list(rows)
    if not rows:
        return 0
    cols = ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)  # noqa: S608 (our names)
    return len(rows)


def insert_objects(model, fields: Sequence[str], rows: Iterable[Sequence]) -> int:
    """`insert_rows` by model field names (foreign keys as `team_id`, ...)."""
    columns = [model._meta.get_field(name.removesuffix("_id")).column for name in fields]
    return insert_rows(model._meta.db_table, columns, rows)


def _where_in(column: str, values: list) -> Iterator[tuple[str, list]]:
    """(condition, parameters) selecting `column` IN `values`: one `= ANY(array)` on PostgreSQL, one `IN` per 500
    values on SQLite (its limit on parameters); nothing for no values."""
    if not values:
        return
    if connection.vendor == "postgresql":
        yield f"{column} = ANY(%s)", [values]
        return
    for start in range(0, len(values), 500):
        chunk = values[start : start + 500]
        yield f"{column} IN ({', '.join(['%s'] * len(chunk))})", chunk


def ids_by(table: str, column: str, values: Iterable) -> dict:
    """{value of `column`: id} of the rows of `table` with those values."""
    found: dict = {}
    with connection.cursor() as cursor:
        for condition, params in _where_in(column, list(values)):
            cursor.execute(f"SELECT {column}, id FROM {table} WHERE {condition}", params)  # noqa: S608 (names only)
            found.update(dict(cursor.fetchall()))
    return found


def delete_by(table: str, column: str, values: Iterable, **equal) -> None:
    """DELETE the rows of `table` whose `column` is one of `values` and whose other columns are as `equal` says,
    without the ORM's per-row signals (a bulk load says itself what it changed)."""
    extra = "".join(f" AND {name} = %s" for name in equal)
    with connection.cursor() as cursor:
        for condition, params in _where_in(column, list(values)):
            cursor.execute(f"DELETE FROM {table} WHERE {condition}{extra}", [*params, *equal.values()])  # noqa: S608


def ids_by_slug(table: str, slugs: Iterable[str]) -> dict[str, int]:
    """{slug: id} of the rows of `table` with those slugs."""
    return ids_by(table, "slug", slugs)


def loaded() -> None:
    """After a bulk load: fresh planner statistics, so the first pages after a large import are served by the
    indexes rather than by plans made for an empty table (PostgreSQL), and new generations of every cached answer
    (COPY and bulk inserts send no signals; people and teams are also in "who is on call now")."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(LOADED_TABLES)}")
    catalog_cache.changed_everywhere()
