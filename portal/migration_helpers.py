"""Helpers for migrations that only apply to PostgreSQL (indexes and columns SQLite has no use for)."""


def postgres_only(statements: list[str]):
    """A RunPython function that executes `statements` on PostgreSQL and does nothing elsewhere."""

    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run
