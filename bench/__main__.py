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
    ours_lat, ours_mem = _measure_ours(creds, side_by_side_endpoints(n), requests)
    # The same again with the list and search cache off (CATALOG_CACHE_SECONDS=0): what a first visit costs.
    print("   again, without the catalog cache", flush=True)
    cold_lat, _ = _measure_ours(creds, side_by_side_endpoints(n), requests, CATALOG_CACHE_SECONDS="0")
    peer_lat, peer_ingest, peer_mem = {}, None, None
    if _flag("BENCH_SKIP_PEER") or not peer.available():
        print("   (Backstage peer skipped)", flush=True)
    else:
        print(f"== side by side at {n:,} components: Backstage", flush=True)
        peer.install()
        backstage = peer.Backstage(n, folder)
        try:
            peer_ingest = backstage.ingest()
            print(f"   ingest {peer_ingest:.1f} s; restarting for the search index", flush=True)
            backstage.restart_for_search()
            headers = {"Authorization": f"Bearer {peer.TOKEN}"}
            for label, _, peer_path in side_by_side_endpoints(n):
                peer_lat[label] = client.measure(peer.BASE, headers, peer_path, requests=requests)
                print(f"   {label}: p50 {peer_lat[label].p50:.1f} p95 {peer_lat[label].p95:.1f}", flush=True)
            peer_mem = peer.rss_mib()
        finally:
            backstage.stop("all")
    report.side_by_side(n, ours_lat, cold_lat, peer_lat, ingest, peer_ingest, ours_mem, peer_mem)


def _measure_ours(creds: dict, endpoints: list, requests: int, **env: str) -> tuple[dict, tuple[float, float]]:
    server = ours.Server(**env)
    server.start()
    latencies = {}
    try:
        for label, ours_path, _ in endpoints:
            latencies[label] = client.measure(ours.BASE, _headers(creds), ours_path, requests=requests)
            print(f"   {label}: p50 {latencies[label].p50:.1f} p95 {latencies[label].p95:.1f}", flush=True)
        return latencies, server.rss_mib()
    finally:
        server.stop()


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
            lat = client.measure(ours.BASE, _headers(creds), make, requests=requests)
            results.append((label, make(), lat, bar))
            print(f"   {label}: p50 {lat.p50:.1f} p95 {lat.p95:.1f}", flush=True)
        counts = ours.djtask("queries", *[path for _, path, _, _ in results])
        api = "/api/v1/catalog/services/?page_size=50"
        bare = "/api/v1/bench-bare/services/"
        api_rps = client.throughput(ours.BASE, _headers(creds), api)
        bare_rps = client.throughput(ours.BASE, _headers(creds), bare)
        mem = server.rss_mib()
    finally:
        server.stop()
    report.own(n, results, counts, api_rps, bare_rps, mem)


def run_others(report: Report) -> None:
    for name in OTHER_BENCHES:
        script = ours.ROOT / "bench" / name
        if not script.exists():
            continue
        print(f"== {name}", flush=True)
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
    run_side_by_side(side_n, requests, report)
    if not _flag("BENCH_SKIP_OWN"):
        run_own(own_n, requests, report)
    if not _flag("BENCH_SKIP_OTHERS"):
        run_others(report)
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
