"""Our portal as in production: gunicorn (DEBUG off) and a Celery worker on PostgreSQL and Redis, own database."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench import standalone

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")  # not the tests' (bin/test: 14 and 15)
PORT = int(os.environ.get("BENCH_PORT", "8765"))
VAR = Path(os.environ.get("BENCH_VAR_DIR", ROOT / "var" / "bench"))


def env() -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": DB_URL,
        "REDIS_URL": REDIS,
        "CELERY_BROKER_URL": REDIS,
        "DEBUG": "false",
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "PORTAL_VAR_DIR": str(VAR),
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
    }


def manage(*args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env(), check=True, text=True, capture_output=capture
    )
    return result.stdout if capture else ""


def recreate_database() -> None:
    """A fresh database each run: the figures never depend on leftovers."""
    standalone.fresh_database(DB_URL)
    subprocess.run(["redis-cli", "-u", REDIS, "flushdb"], check=False, capture_output=True)
    VAR.mkdir(parents=True, exist_ok=True)
    manage("migrate", "--noinput", "-v0")
    manage("collectstatic", "--noinput", "-v0")


def timed_import(folder: Path) -> tuple[float, str]:
    """Wall time of `manage.py import_backstage` (process start included, as Backstage's boot is)."""
    started = time.perf_counter()
    out = manage("import_backstage", str(folder), capture=True)
    return time.perf_counter() - started, out.strip()


def vacuum() -> None:
    sql = "from django.db import connection; connection.cursor().execute('VACUUM ANALYZE')"
    manage("shell", "--no-imports", "-c", sql)


def credentials() -> dict:
    """A lead user, an API token and a session cookie for the pages."""
    return djtask("credentials")


class Server:
    """gunicorn as bin/run starts it (2 workers x 4 threads) and, with `worker`, one Celery worker; stopped by PID."""

    def __init__(self, port: int = PORT, worker: bool = True, **extra_env: str):
        self.procs: list[subprocess.Popen] = []
        self.port, self.worker, self.extra_env = port, worker, extra_env
        self.base = f"http://127.0.0.1:{port}"

    def start(self) -> None:
        log = open(VAR / f"gunicorn-{self.port}.log", "w")  # noqa: SIM115 (kept open for the server's life)
        workers = os.environ.get("BENCH_WEB_WORKERS", "2")
        self.procs.append(
            subprocess.Popen(
                [PY, "-m", "gunicorn", "portal.wsgi", "--bind", f"127.0.0.1:{self.port}", "--workers", workers,
                 "--threads", "4", "--worker-class", "gthread",
                 "--access-logfile", str(VAR / f"access-{self.port}.log")],
                cwd=ROOT, env={**env(), **self.extra_env}, stdout=log, stderr=log,
            )
        )  # fmt: skip
        self._wait_for(self._answers, f"gunicorn did not answer on {self.base}; see {log.name}")
        if not self.worker:
            return
        clog = open(VAR / "celery.log", "w")  # noqa: SIM115
        self.procs.append(
            subprocess.Popen(
                [PY, "-m", "celery", "-A", "portal", "worker", "--concurrency", "2", "--loglevel", "INFO"],
                cwd=ROOT, env=env(), stdout=clog, stderr=clog,
            )
        )  # fmt: skip
        # The worker boots for a few seconds on the same 2 cores: measuring meanwhile slowed the first endpoints.
        self._wait_for(self._worker_ready, f"the Celery worker did not start; see {VAR / 'celery.log'}")
        time.sleep(2)

    @staticmethod
    def _wait_for(ready, failure: str) -> None:
        for _ in range(120):
            if ready():
                return
            time.sleep(0.5)
        raise RuntimeError(failure)

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    @staticmethod
    def _worker_ready() -> bool:
        return " ready." in (VAR / "celery.log").read_text()

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs = []

    def rss_mib(self) -> tuple[float, float]:
        """(RSS, PSS) in MiB summed over the web and worker processes and their children."""
        pids = []
        for proc in self.procs:
            pids.append(proc.pid)
            pids += standalone.descendants(proc.pid)
        return _sum_mem(pids)


def _sum_mem(pids: list[int]) -> tuple[float, float]:
    rss = pss = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            continue
    return rss / 1024, pss / 1024


def djtask(*args: str):
    """Run a bench.djtasks step against the bench database; returns its JSON answer."""
    out = subprocess.run(
        [PY, "-m", "bench.djtasks", *args], cwd=ROOT, env=env(), check=True, text=True, capture_output=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])
