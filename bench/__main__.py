"""`make bench`: our portal side by side with Backstage's catalog backend at BENCH_N, then our own bars.

Env: BENCH_N (scale of both parts; default 10,000 side by side and 100,000 for our bars), BENCH_REQUESTS (200),
BENCH_SKIP_PEER=1, BENCH_SKIP_OWN=1, BENCH_SKIP_OTHERS=1, BENCH_OUT (the report file, default var/bench/latest.md).
"""

import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import client, ours, peer
from bench.report import Report

WORDS = ["payments", "billing", "search", "catalog", "identity", "auth", "ledger", "orders", "cart", "inventory"]
WORDS += ["shipping", "pricing", "analytics"]  # bench.py's search words
OTHER_BENCHES = ("oncall_bench.py", "slo_bench.py", "selfservice_bench.py")


def _flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "true", "yes")


def side_by_side_endpoints(n: int) -> list[tuple[str, callable, callable]]:
    """(label, our path, Backstage path) makers; each side draws from its own Random(1), so the same sequence."""
    groups, pages = max(1, n // 20), max(1, n // 50)

    def pair(ours_path, peer_path):
        rnd_a, rnd_b = random.Random(1), random.Random(1)
        return (lambda: ours_path(rnd_a)), (lambda: peer_path(rnd_b))

    rows = [
        ("list of 50", lambda r: "/api/v1/catalog/services/?page_size=50",
         lambda r: "/api/catalog/entities?filter=kind=component&limit=50"),
        ("by name", lambda r: f"/api/v1/catalog/services/svc-{r.randrange(n):06d}/",
         lambda r: f"/api/catalog/entities/by-name/component/default/svc-{r.randrange(n):06d}"),
        ("owner filter", lambda r: f"/api/v1/catalog/services/?team=team-{r.randrange(groups):04d}&page_size=50",
         lambda r: "/api/catalog/entities/by-query?filter=kind%3Dcomponent%2Cspec.owner%3Dgroup%3Adefault%2F"
                   f"team-{r.randrange(groups):04d}&limit=50"),
        ("first page with total", lambda r: "/api/v1/catalog/services/?ordering=name&page_size=50",
         lambda r: "/api/catalog/entities/by-query?filter=kind%3Dcomponent&limit=50&orderField=metadata.name%2Casc"),
        ("deep page", lambda r: f"/api/v1/catalog/services/?page_size=50&page={r.randrange(pages) + 1}",
         lambda r: f"/api/catalog/entities?filter=kind=component&limit=50&offset={r.randrange(pages) * 50}"),
        ("full-text filter", lambda r: f"/api/v1/catalog/services/?q={r.choice(WORDS)}&page_size=50",
         lambda r: f"/api/catalog/entities/by-query?filter=kind%3Dcomponent&fullTextFilterTerm={r.choice(WORDS)}"
                   "&fullTextFilterFields=metadata.name%2Cmetadata.title&limit=50"),
        ("search", lambda r: f"/catalog/search/?q={r.choice(WORDS)}",
         lambda r: f"/api/search/query?term={r.choice(WORDS)}&types%5B0%5D=software-catalog"),
    ]  # fmt: skip
    return [(label, *pair(a, b)) for label, a, b in rows]


def _headers(creds: dict) -> dict:
    return {"Authorization": f"Token {creds['token']}", "Cookie": f"sessionid={creds['session']}"}


def run_side_by_side(n: int, requests: int, report: Report) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-entities-"))
    peer.generate(n, folder)
    print(f"== side by side at {n:,} components: our portal", flush=True)
    ours.recreate_database()
    ingest, summary = ours.timed_import(folder)
    print(f"   ingest {ingest:.1f} s: {summary}", flush=True)
    # As our own bars do: a vacuumed database, so autovacuum does not start on the new rows mid-measurement.
    ours.vacuum()
    creds = ours.credentials()
    backstage, peer_ingest, peer_mem = None, None, None
    if _flag("BENCH_SKIP_PEER") or not peer.available():
        print("   (Backstage peer skipped)", flush=True)
    else:
        print(f"== side by side at {n:,} components: Backstage", flush=True)
        peer.install()
        backstage = peer.Backstage(n, folder)
    # Ours as in production, ours again with the list and search cache off (CATALOG_CACHE_SECONDS=0: what a
    # first visit costs), and Backstage, all three up at once and measured taking turns (client.measure_interleaved).
    servers = [ours.Server(), ours.Server(port=ours.PORT + 1, worker=False, CATALOG_CACHE_SECONDS="0")]
    ours_lat, cold_lat, peer_lat = {}, {}, {}
    try:
        if backstage is not None:
            peer_ingest = backstage.ingest()  # alone on the machine, as ours was
            print(f"   ingest {peer_ingest:.1f} s; restarting for the search index", flush=True)
            backstage.restart_for_search()
        for server in servers:
            server.start()
        print("== measuring: ours, ours uncached and Backstage taking turns in blocks of requests", flush=True)
        # The uncached server's paths come from a second set of makers: their own random sequences, the same ones.
        pairs = zip(side_by_side_endpoints(n), side_by_side_endpoints(n), strict=True)
        for (label, ours_path, peer_path), (_, cold_path, _) in pairs:
            targets = [(servers[0].base, _headers(creds), ours_path), (servers[1].base, _headers(creds), cold_path)]
            if backstage is not None:
                targets.append((peer.BASE, {"Authorization": f"Bearer {peer.TOKEN}"}, peer_path))
            found = client.measure_interleaved(targets, requests=requests)
            ours_lat[label], cold_lat[label] = found[0], found[1]
            line = f"   {label}: ours p50 {found[0].p50:.1f} p95 {found[0].p95:.1f}"
            line += f"; uncached p50 {found[1].p50:.1f} p95 {found[1].p95:.1f}"
            if backstage is not None:
                peer_lat[label] = found[2]
                line += f"; Backstage p50 {found[2].p50:.1f} p95 {found[2].p95:.1f}"
            print(line, flush=True)
        ours_mem = servers[0].rss_mib()
        peer_mem = peer.rss_mib() if backstage is not None else None
    finally:
        for server in servers:
            server.stop()
        if backstage is not None:
            backstage.stop("all")
    report.side_by_side(n, ours_lat, cold_lat, peer_lat, ingest, peer_ingest, ours_mem, peer_mem)


def run_own(n: int, requests: int, report: Report) -> None:
    print(f"== our own bars at {n:,} entities", flush=True)
    ours.recreate_database()
    started = time.perf_counter()
    people, teams = max(20, n // 50), max(2, n // 500)
    out = ours.manage("generate_catalog", f"--entities={n}", f"--people={people}", f"--teams={teams}", capture=True)
    print(f"   {out.strip()} ({time.perf_counter() - started:.1f} s with process start)", flush=True)
    ours.vacuum()
    creds = ours.credentials()
    samples = ours.djtask("samples")
    rnd = random.Random(2)
    pages = [
        ("API services list (50, owners inlined)", lambda: "/api/v1/catalog/services/?page_size=50", 50),
        ("API data products list (50)", lambda: "/api/v1/catalog/data-products/?page_size=50", 50),
        ("API service detail", lambda: f"/api/v1/catalog/services/{rnd.choice(samples['services'])}/", 50),
        ("API data product detail", lambda: f"/api/v1/catalog/data-products/{rnd.choice(samples['products'])}/", 50),
        ("API owner filter", lambda: f"/api/v1/catalog/services/?team={rnd.choice(samples['teams'])}&page_size=50", 50),
        ("API deep page", lambda: f"/api/v1/catalog/services/?page_size=50&page={rnd.randrange(n // 100) + 1}", 50),
        ("API full-text filter", lambda: f"/api/v1/catalog/services/?q={rnd.choice(WORDS)}&page_size=50", 50),
        ("search page", lambda: f"/catalog/search/?q={rnd.choice(WORDS)}", 80),
        ("stakeholder page", lambda: f"/catalog/data-products/{rnd.choice(samples['products'])}/overview/", 50),
        (f"RACI matrix of the largest team (first page of 50 entities; {samples['team_rows']} RACI rows in all)",
         lambda: f"/catalog/teams/{samples['team']}/raci/", None),
        ("team page (largest team)", lambda: f"/catalog/teams/{samples['team']}/", None),
    ]  # fmt: skip
    # The bars are measured with the catalog cache off: every answer is computed, as on a first visit.
    server = ours.Server(CATALOG_CACHE_SECONDS="0")
    server.start()
    try:
        results = []
        for label, make, bar in pages:
            lat = client.measure(server.base, _headers(creds), make, requests=requests)
            results.append((label, make(), lat, bar))
            print(f"   {label}: p50 {lat.p50:.1f} p95 {lat.p95:.1f}", flush=True)
        counts = ours.djtask("queries", *[path for _, path, _, _ in results])
        api = "/api/v1/catalog/services/?page_size=50"
        bare = "/api/v1/bench-bare/services/"
        api_rps = client.throughput(server.base, _headers(creds), api)
        bare_rps = client.throughput(server.base, _headers(creds), bare)
        mem = server.rss_mib()
    finally:
        server.stop()
    report.own(n, results, counts, api_rps, bare_rps, mem)


SPEED_PROBE = """
import time
started = time.perf_counter()
total = 0
for i in range(10_000_000):
    total += i
print(time.perf_counter() - started)
"""


def machine_speed() -> float:
    """Seconds for 10 million Python additions at module level (as the docs quote it): the yardstick of this VM's
    speed, which drifts by up to 2x within minutes, so a part measured in a slow phase can be told apart."""
    out = subprocess.run([sys.executable, "-c", SPEED_PROBE], capture_output=True, text=True, check=True)
    return float(out.stdout)


def run_others(report: Report) -> None:
    for name in OTHER_BENCHES:
        script = ours.ROOT / "bench" / name
        if not script.exists():
            continue
        print(f"== {name}", flush=True)
        report.speeds.append((f"before {name}", machine_speed()))
        try:
            out = subprocess.run(
                [sys.executable, str(script)], cwd=ours.ROOT, capture_output=True, text=True, timeout=1800
            )
            text = out.stdout.strip() + (
                f"\n(exit {out.returncode}: {out.stderr.strip()[-500:]})" if out.returncode else ""
            )
        except subprocess.TimeoutExpired:
            text = "(timed out after 30 min)"
        print(text, flush=True)
        report.other(name, text)


def main() -> int:
    scale = os.environ.get("BENCH_N")
    side_n = int(scale) if scale else 10_000
    own_n = int(scale) if scale else 100_000
    requests = int(os.environ.get("BENCH_REQUESTS", client.REQUESTS))
    machine = f"{platform.node()}: {os.cpu_count()} cores, {_mem_gib():.0f} GiB, {platform.platform()}"
    report = Report(datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), machine, requests)
    report.speeds.append(("before the side by side", machine_speed()))
    run_side_by_side(side_n, requests, report)
    if not _flag("BENCH_SKIP_OWN"):
        report.speeds.append(("before our bars", machine_speed()))
        run_own(own_n, requests, report)
    if not _flag("BENCH_SKIP_OTHERS"):
        run_others(report)
    report.speeds.append(("at the end", machine_speed()))
    text = report.render()
    out = Path(os.environ.get("BENCH_OUT", ours.ROOT / "var" / "bench" / "latest.md"))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print("\n" + text)
    print(f"(written to {out})")
    return 0


def _mem_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024 / 1024
    return 0.0


if __name__ == "__main__":
    sys.exit(main())
