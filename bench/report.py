"""The benchmark's report: one markdown document, printed and written to BENCH_OUT."""

from dataclasses import dataclass, field


def _ms(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1f}"


@dataclass
class Report:
    date: str
    machine: str
    requests: int
    parts: list[str] = field(default_factory=list)
    speeds: list[tuple[str, float]] = field(default_factory=list)  # (when, seconds): machine_speed() readings

    def side_by_side(self, n, ours, cold, peer, ingest, peer_ingest, mem, peer_mem) -> None:
        lines = [
            f"### Side by side with Backstage 1.55 (catalog + search, PostgreSQL) at {n:,} components",
            "",
            f"Same descriptors (gen_entities.py: {n:,} components, {n // 10:,} systems, {n // 20:,} groups, "
            f"{n // 5:,} users), same client: one keep-alive connection per server, 20 warm-up + {self.requests} "
            "requests, ms, the servers up at once and taking turns in blocks of 20 requests (so a drift of the "
            'machine\'s speed hits all alike). "Uncached" is ours again with the catalog cache off '
            "(CATALOG_CACHE_SECONDS=0): every answer computed.",
            "",
            "| endpoint | ours p50 | ours p95 | uncached p50 | uncached p95 | Backstage p50 | Backstage p95 "
            "| ratio p95 (ours/theirs) | uncached ratio p95 | errors |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for label, lat in ours.items():
            other, raw = peer.get(label), cold.get(label)
            ratio = f"{lat.p95 / other.p95:.2f}" if other and other.p95 else "n/a"
            raw_ratio = f"{raw.p95 / other.p95:.2f}" if other and other.p95 and raw else "n/a"
            errors = f"{lat.errors + (raw.errors if raw else 0)}/{other.errors if other else '-'}"
            lines.append(
                f"| {label} | {_ms(lat.p50)} | {_ms(lat.p95)} | {_ms(raw and raw.p50)} | {_ms(raw and raw.p95)} | "
                f"{_ms(other and other.p50)} | {_ms(other and other.p95)} | {ratio} | {raw_ratio} | {errors} |"
            )
        ratio = f"{ingest / peer_ingest:.2f}" if peer_ingest else "n/a"
        lines.append(f"| ingest of the descriptors, s | {ingest:.1f} | | | | {_ms(peer_ingest)} | | {ratio} | | |")
        peer_rss = f"{peer_mem:.0f}" if peer_mem else "n/a"
        mem_ratio = f"{mem[0] / peer_mem:.2f}" if peer_mem else "n/a"
        lines.append(
            f"| memory: RSS MiB (ours: gunicorn + Celery worker, all processes; PSS {mem[1]:.0f}) | {mem[0]:.0f} | "
            f"| | | {peer_rss} | | {mem_ratio} | | |"
        )
        first_errors = [
            f"- {label}: {lat.first_error}"
            for label, lat in [*ours.items(), *cold.items(), *peer.items()]
            if lat.errors
        ]
        if first_errors:
            lines += ["", "First errors:", *first_errors]
        self.parts.append("\n".join(lines))

    def own(self, n, results, counts, api_rps, bare_rps, mem) -> None:
        lines = [
            f"### Our own bars at {n:,} entities (services and data products with full RACI, versions, runbooks)",
            "",
            "Measured with the catalog cache off (CATALOG_CACHE_SECONDS=0): every answer is computed.",
            "",
            "| page or endpoint | p50 ms | p95 ms | bar p95 ms | SQL queries | KB | errors |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for label, path, lat, bar in results:
            verdict = "" if bar is None else (f"< {bar} ✓" if lat.p95 < bar else f"< {bar} ✗")
            lines.append(
                f"| {label} | {lat.p50:.1f} | {lat.p95:.1f} | {verdict} | {counts.get(path, 'n/a')} | "
                f"{lat.bytes / 1024:.0f} | {lat.errors} |"
            )
        ratio = api_rps / bare_rps if bare_rps else 0
        lines += [
            "",
            f"Throughput (4 keep-alive clients, 8 s): catalog list API {api_rps:.0f} req/s, bare Django JSON view of "
            f"the same page {bare_rps:.0f} req/s: ratio {ratio:.2f} (bar ≥ 0.5 {'✓' if ratio >= 0.5 else '✗'}).",
            f"Memory after the run: RSS {mem[0]:.0f} MiB, PSS {mem[1]:.0f} MiB (gunicorn 2×4 threads + Celery worker).",
        ]
        self.parts.append("\n".join(lines))

    def other(self, name: str, text: str) -> None:
        self.parts.append(f"### {name}\n\n```\n{text}\n```")

    def render(self) -> str:
        head = f"## Benchmark {self.date}\n\nMachine: {self.machine}\n"
        if self.speeds:
            readings = ", ".join(f"{seconds:.2f} s {when}" for when, seconds in self.speeds)
            head += (
                f"\nMachine speed (a pure-Python loop of 10 million additions; this VM's speed drifts, compare runs "
                f"and parts with it): {readings}\n"
            )
        return "\n\n".join([head, *self.parts]) + "\n"
