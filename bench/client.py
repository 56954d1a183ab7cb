"""The measuring client, the same for both sides: bench.py's method from ../shared/tools/backstage/ (one keep-alive
connection, sequential requests, warm-up then measured, p50/p95/p99 with linear interpolation), with the servers
compared taking turns request by request (`measure_interleaved`)."""

import http.client
import statistics
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

WARMUP = 20
REQUESTS = 200
BLOCK = 20  # requests in a row to one server when several are measured together


class Client:
    def __init__(self, base: str, headers: dict[str, str]):
        self.url = urllib.parse.urlparse(base)
        self.headers = {"Accept": "application/json", **headers}
        self.conn = self._connect()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.url.hostname, self.url.port or 80, timeout=120)

    def get(self, path: str) -> tuple[int, bytes, float]:
        for attempt in range(2):
            try:
                t0 = time.perf_counter()
                self.conn.request("GET", path, headers=self.headers)
                response = self.conn.getresponse()
                raw = response.read()
                return response.status, raw, time.perf_counter() - t0
            except (http.client.HTTPException, ConnectionError, OSError):
                self.conn.close()
                self.conn = self._connect()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    k = (len(xs) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


@dataclass
class Latency:
    p50: float
    p95: float
    p99: float
    mean: float
    errors: int
    bytes: float
    first_error: str = ""


def measure(base: str, headers: dict, make_path: Callable[[], str], warmup=WARMUP, requests=REQUESTS) -> Latency:
    """Latencies in ms of `requests` sequential GETs after `warmup`, on one keep-alive connection."""
    return measure_interleaved([(base, headers, make_path)], warmup, requests)[0]


def measure_interleaved(
    targets: list[tuple[str, dict, Callable[[], str]]], warmup=WARMUP, requests=REQUESTS, block=BLOCK
) -> list[Latency]:
    """`measure` of several servers in the same minutes: after each one's warm-up, they take turns in blocks of
    `block` requests (the order turning each round), each block opened by one unmeasured request, on one keep-alive
    connection per server. This VM's speed drifts within minutes, so servers measured one after the other could
    meet different machines; requests alternated one by one instead made each server evict the other's working set
    from the CPU caches before every request, which neither server meets in production nor in bench.py's method."""
    clients = [Client(base, headers) for base, headers, _ in targets]
    samples: list[list[tuple[str, int, bytes, float]]] = [[] for _ in targets]
    try:
        for one, (_base, _headers, make_path) in zip(clients, targets, strict=True):
            for _ in range(warmup):
                one.get(make_path())
        for round_ in range(-(-requests // block)):
            for turn in range(len(targets)):
                i = (round_ + turn) % len(targets)
                make_path, taken = targets[i][2], samples[i]
                clients[i].get(make_path())  # back to this server: its caches warm again
                for _ in range(min(block, requests - len(taken))):
                    path = make_path()
                    status, raw, dt = clients[i].get(path)
                    taken.append((path, status, raw, dt))
    finally:
        for one in clients:
            one.close()
    return [_latency(taken) for taken in samples]


def _latency(samples: list[tuple[str, int, bytes, float]]) -> Latency:
    lat = [dt * 1000 for _path, _status, _raw, dt in samples]
    failed = [(path, status, raw) for path, status, raw, _dt in samples if status != 200]
    first_error = f"{failed[0][0]} -> {failed[0][1]} {failed[0][2][:200]!r}" if failed else ""
    return Latency(
        pct(lat, 50),
        pct(lat, 95),
        pct(lat, 99),
        statistics.mean(lat),
        len(failed),
        statistics.mean(len(raw) for _path, _status, raw, _dt in samples),
        first_error,
    )


def throughput(base: str, headers: dict, path: str, clients: int = 4, seconds: float = 8.0) -> float:
    """Requests per second with `clients` keep-alive connections in parallel, non-200 answers not counted."""
    done = [0] * clients
    stop = time.perf_counter() + seconds

    def run(i: int) -> None:
        client = Client(base, headers)
        try:
            client.get(path)  # warm the connection
            while time.perf_counter() < stop:
                status, _raw, _dt = client.get(path)
                done[i] += status == 200
        finally:
            client.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.perf_counter() - started)
