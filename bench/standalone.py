"""What the bench scripts share: a fresh PostgreSQL database of their own for every run."""


def fresh_database(url: str) -> None:
    """Drop and create the database of `url` (connections to it are closed), so figures never depend on leftovers.
    Not PostgreSQL: nothing to do (the caller's migrations start from what is there)."""
    if not url.startswith("postgres"):
        return
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django() -> None:
    """django.setup() and migrate, in-process (the scripts that measure selectors directly)."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
