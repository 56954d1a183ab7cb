"""The peer: Backstage's catalog backend (release 1.55, catalog + search, its own PostgreSQL on 5433), installed
from npm by ../shared/tools/backstage/setup.sh into a folder outside the clone, driven as its run_bench.sh does."""

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

from bench import ours

TOOLS = Path(os.environ.get("BACKSTAGE_TOOLS", ours.ROOT.parent / "shared" / "tools" / "backstage")).resolve()
PEER = Path(os.environ.get("BACKSTAGE_PEER_DIR", ours.ROOT.parent / "backstage-peer" / "bs")).resolve()
PORT = int(os.environ.get("BACKEND_PORT", "7007"))
PGPORT = int(os.environ.get("PGPORT", "5433"))
TOKEN = os.environ.get("BACKSTAGE_BENCH_TOKEN", "bench-static-token-0123456789abcdef")
BASE = f"http://127.0.0.1:{PORT}"


def available() -> bool:
    return (TOOLS / "setup.sh").exists()


def _bash(script: str, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "BACKEND_PORT": str(PORT), "PGPORT": str(PGPORT), "BACKSTAGE_BENCH_TOKEN": TOKEN}
    return subprocess.run(["bash", "-c", f"source '{PEER}/env.sh' && {script}"], env=env, **kwargs)


def install() -> None:
    """npm install on first use (cached in PEER afterwards)."""
    if (PEER / "env.sh").exists() and (PEER / "app" / "node_modules").exists():
        return
    PEER.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "BACKEND_PORT": str(PORT), "PGPORT": str(PGPORT), "BACKSTAGE_BENCH_TOKEN": TOKEN}
    subprocess.run(["bash", str(TOOLS / "setup.sh"), str(PEER)], env=env, check=True)


def generate(n: int, folder: Path) -> None:
    """gen_entities.py: N components, N/10 systems, N/20 groups, N/5 users (the data both sides load)."""
    if folder.exists():
        shutil.rmtree(folder)
    subprocess.run(["python3", str(TOOLS / "gen_entities.py"), str(n), str(folder)], check=True, capture_output=True)


def rss_mib() -> float | None:
    pid_file = PEER / "run" / "backend.pid"
    try:
        for line in Path(f"/proc/{pid_file.read_text().strip()}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


class Backstage:
    def __init__(self, n: int, entities: Path):
        self.n, self.entities = n, entities
        (PEER / "run").mkdir(exist_ok=True)
        (PEER / "results").mkdir(exist_ok=True)

    def _drop(self, plugin: str) -> None:
        _bash(
            f"psql -h 127.0.0.1 -p {PGPORT} -U postgres -qc 'DROP DATABASE IF EXISTS backstage_plugin_{plugin}'",
            check=True,
            capture_output=True,
        )

    def _start(self, log_name: str) -> Path:
        log = PEER / "results" / f"{log_name}.log"
        env = {**os.environ, "BACKEND_PORT": str(PORT), "PGPORT": str(PGPORT), "BACKSTAGE_BENCH_TOKEN": TOKEN}
        out = open(log, "w")  # noqa: SIM115 (the backend writes to it until stopped)
        proc = subprocess.Popen(
            ["bash", "-c", f"source '{PEER}/env.sh' && cd '{PEER}/app' && exec node index.js --config app-config.yaml"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        (PEER / "run" / "backend.pid").write_text(str(proc.pid))
        return log

    def stop(self, what: str = "backend") -> None:
        subprocess.run(["bash", str(TOOLS / "stop.sh"), str(PEER), what], check=False, capture_output=True)

    def ingest(self) -> float:
        """Fresh databases, start, and the seconds until every entity is visible and stitched (bench.py wait)."""
        self.stop()
        _bash(f"'{PEER}/pg.sh' start", check=True)
        self._drop("catalog")
        self._drop("search")
        target = PEER / "app" / "entities"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(self.entities, target)
        started = time.time()
        self._start(f"backend-{self.n}-ingest")
        out = _bash(
            f"python3 '{TOOLS / 'bench.py'}' wait --n {self.n} --start-ts {started} --interval 0.5",
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        done = re.search(r"INGEST_DONE .* stitched_s=([\d.]+)", out)
        if not done:
            raise RuntimeError(f"Backstage ingest did not finish:\n{out[-2000:]}")
        return float(done.group(1))

    def restart_for_search(self) -> float:
        """Restart with a fresh search database so the collator indexes the whole catalog (as run_bench.sh)."""
        self.stop()
        self._drop("search")
        started = time.time()
        log = self._start(f"backend-{self.n}-bench")
        for _ in range(1200):
            if "Collating documents for software-catalog succeeded" in log.read_text(errors="replace"):
                break
            time.sleep(0.5)
        else:
            raise RuntimeError(f"Backstage's search index was not built; see {log}")
        time.sleep(5)
        return time.time() - started
