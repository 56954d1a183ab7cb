"""Shared fixtures: personas, an API client, and real Celery workers for integration tests."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from rest_framework.test import APIClient

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


@pytest.fixture(autouse=True)
def _plain_http_and_static(settings):
    # Tests speak plain HTTP to the test client and live server, and don't need a collectstatic manifest.
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # A test's writes are rolled back, never committed, so the catalog's generation (which moves on commit) would
    # not tell one test's cached lists from the next's: off here; tests/catalog/test_list_cache.py turns it on.
    settings.CATALOG_CACHE_SECONDS = 0
    # Fixtures make users by the dozen; the default hasher's deliberate slowness (a million PBKDF2 rounds per
    # password) only slows the suite. Servers started as subprocesses make and check their own users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    # The listener of checked tokens (portal/api/checked_tokens.py) holds a connection to the test database, which
    # would keep pytest-django from dropping it: stop it first.
    yield
    from portal.api.checked_tokens import checked_tokens

    checked_tokens.stop()


@pytest.fixture
def make_user(db):
    def make(username: str, role: str | None = "engineer", password: str = "s3cret-pass!", **extra) -> User:  # noqa: S107
        user = User.objects.create_user(username=username, password=password, email=f"{username}@example.com", **extra)
        if role:
            user.groups.add(Group.objects.get_or_create(name=role)[0])
        return user

    return make


@pytest.fixture
def lead(make_user):
    return make_user("lead1", role="lead", first_name="Lena", last_name="Lead")


@pytest.fixture
def engineer(make_user):
    return make_user("eng1", role="engineer", first_name="Erin", last_name="Engineer")


@pytest.fixture
def stakeholder(make_user):
    return make_user("stake1", role="stakeholder", first_name="Sam", last_name="Stakeholder")


@pytest.fixture
def api_client():
    return APIClient()


def beside_the_clone(name: str) -> Path:
    """`name` beside this clone, or else beside the repository it was cloned from: a clone made elsewhere (a
    temporary directory) still finds the shared tools and the lab directories next to the original."""
    here = ROOT.parent / name
    if here.exists():
        return here
    origin = subprocess.run(
        ["git", "-C", str(ROOT), "config", "remote.origin.url"], capture_output=True, text=True, check=False
    ).stdout.strip()
    beside_origin = Path(origin).resolve().parent / name if origin and Path(origin).is_dir() else None
    return beside_origin if beside_origin is not None and beside_origin.exists() else here


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # the thing is not up yet: keep the last reason for the failure message
            last_error = exc
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}; last error: {last_error!r}")


def stop_process(proc: subprocess.Popen, timeout: float = 15) -> None:
    """Stop a process group started with start_new_session=True: TERM, then KILL."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=timeout)


def database_url_for_tests() -> str:
    """The URL of the database pytest-django created, for child processes (workers, servers)."""
    from django.db import connection

    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    host = s["HOST"] or "127.0.0.1"
    port = s["PORT"] or 5432
    return f"postgres://{s['USER']}@{host}:{port}/{s['NAME']}"


@pytest.fixture
def celery_worker_process(transactional_db, settings, tmp_path):
    """A real `celery worker` process on the test broker and the test database; yields a start/stop handle."""

    class Worker:
        proc: subprocess.Popen | None = None
        log = tmp_path / "worker.log"

        def start(self, *extra_args: str, env: dict | None = None) -> subprocess.Popen:
            worker_env = {
                **os.environ,
                "DATABASE_URL": database_url_for_tests(),
                "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
                "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND,
                **(env or {}),
            }
            cmd = [
                str(VENV_BIN / "celery"),
                "-A",
                "portal",
                "worker",
                "--loglevel",
                "INFO",
                "--pool",
                "prefork",
            ]
            cmd += ["--concurrency", "1", "--without-gossip", "--without-mingle", *extra_args]
            self.proc = subprocess.Popen(
                cmd,
                cwd=ROOT,
                env=worker_env,
                stdout=self.log.open("ab"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            wait_for(lambda: "ready." in self.log.read_text(), 60, "the Celery worker to be ready")
            return self.proc

        def stop(self) -> None:
            if self.proc is not None:
                stop_process(self.proc)

    worker = Worker()
    from portal.celery import app

    app.control.purge()  # leftovers of earlier tests must not run in this worker
    yield worker
    worker.stop()
