"""The Redis cache backend (portal/redis_cache.py): Django's, keeping one redis-py client per connection pool."""

import os
import signal
import time
import uuid

import pytest
import redis
from django.conf import settings
from django.core.cache import cache, caches

from portal.redis_cache import RedisCache

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="the Redis cache is configured by REDIS_URL")


@pytest.fixture
def key():
    name = f"test-redis-cache-{uuid.uuid4().hex}"
    yield name
    cache.delete_many([name, f"{name}-other", f"{name}-counter"])


def test_the_portal_cache_is_this_backend():
    assert type(caches["default"]) is RedisCache


def test_it_stores_reads_counts_and_forgets_as_djangos_backend_does(key):
    assert cache.get(key) is None and cache.get(key, "default") == "default"
    cache.set(key, {"body": b"{}", "at": 1})
    assert cache.get(key) == {"body": b"{}", "at": 1}
    assert cache.add(key, "other") is False
    assert cache.add(f"{key}-other", "other") is True
    assert cache.get_many([key, f"{key}-other", f"{key}-missing"]) == {
        key: {"body": b"{}", "at": 1},
        f"{key}-other": "other",
    }
    cache.set(f"{key}-counter", 5)
    assert cache.incr(f"{key}-counter") == 6
    with pytest.raises(ValueError, match="not found"):
        cache.incr(f"{key}-missing")
    assert cache.delete(key) is True
    assert cache.get(key) is None
    cache.set(key, "short-lived", timeout=0)  # Django's meaning: expires at once
    assert cache.get(key) is None


def test_one_client_serves_every_read_and_write(key, monkeypatch):
    made = []
    original = redis.Redis.__init__

    def counting(self, *args, **kwargs):
        made.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counting)
    fresh = caches.create_connection("default")  # a new one, as Django builds it: no client made yet
    for number in range(20):
        fresh.set(key, number)
        assert fresh.get(key) == number
    fresh.incr(key)
    fresh.get_many([key])
    assert len(made) == 1  # Django's own backend makes one per operation: 42 here
    assert fresh._cache.get_client() is fresh._cache.get_client(write=True)
    fresh._cache.get_client().connection_pool.disconnect()


def test_a_forked_process_uses_its_own_connections_through_the_kept_client(key):
    cache.set(key, "parent")  # the client and a pooled connection exist before the fork
    client = cache._cache.get_client()
    pid = os.fork()
    if pid == 0:  # the child: the same client object, its pool started afresh for this process
        code = 1
        try:
            cache.set(key, f"child {os.getpid()}")
            same_client = cache._cache.get_client() is client
            own_pool = client.connection_pool.pid == os.getpid()
            code = 0 if same_client and own_pool and cache.get(key) == f"child {os.getpid()}" else 2
        finally:
            os._exit(code)
    deadline = time.monotonic() + 20
    while (done := os.waitpid(pid, os.WNOHANG))[0] == 0:
        if time.monotonic() > deadline:  # a child stuck on a lock inherited from another thread: fail, not hang
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("the forked process did not finish within 20 s")
        time.sleep(0.01)
    assert os.waitstatus_to_exitcode(done[1]) == 0
    assert cache.get(key) == f"child {pid}"  # the parent's connections still work after the child's exit


def test_with_a_replica_the_writes_and_the_reads_each_keep_their_pools_client(key):
    location = settings.CACHES["default"]["LOCATION"]
    fresh = RedisCache(f"{location};{location}", {})  # the first server takes writes, the others reads
    for number in range(5):
        fresh.set(key, number)
        assert fresh.get(key) == number
    kept = fresh._cache._clients
    writer, reader = fresh._cache.get_client(write=True), fresh._cache.get_client()
    assert len(kept) == 2 and writer is not reader
    assert writer.connection_pool is fresh._cache._pools[0] and reader.connection_pool is fresh._cache._pools[1]
    for pool in fresh._cache._pools.values():
        pool.disconnect()


def test_a_connection_closed_by_the_server_is_replaced_under_the_kept_client(key):
    cache.set(key, "before")
    client = cache._cache.get_client()
    first = client.client_id()
    killed = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"]).client_kill_filter(_id=first)
    assert killed == 1
    assert cache.get(key) == "before"  # redis-py reconnects on the dropped connection
    assert cache._cache.get_client() is client and client.client_id() != first
