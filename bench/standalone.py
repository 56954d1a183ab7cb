"""What the bench scripts share: a fresh PostgreSQL database of their own for every run, and what their
processes use (memory, CPU), read from /proc."""

import os
from pathlib import Path


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


def descendants(pid: int) -> list[int]:
    """The children of `pid`, theirs, and so on."""
    found = []
    for path in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = path.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            child = int(path.parent.name)
            found += [child, *descendants(child)]
    return found


def pids_named(name: str) -> list[int]:
    """The processes whose command name is `name` (e.g. every PostgreSQL server process)."""
    pids = []
    for path in Path("/proc").glob("[0-9]*/comm"):
        try:
            if path.read_text().strip() == name:
                pids.append(int(path.parent.name))
        except OSError:
            continue
    return pids


def cpu_seconds(pids: list[int]) -> float:
    """The CPU time (user + system) these processes have used so far; one that has gone counts nothing."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
    return ticks / os.sysconf("SC_CLK_TCK")
