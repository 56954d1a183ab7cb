"""Django's Redis cache backend, with one redis-py client per connection pool instead of one per operation.

Django's `RedisCacheClient.get_client()` builds a new `redis.Redis` for every get, set or increment, and redis-py's
constructor fills its table of response callbacks (about 170 entries) each time: a `cache.get()` of 2 KB took
174–300 µs on the benchmark's machine, 95–103 µs with the client kept, and a cached catalog list answers about
0.1 ms sooner (docs/benchmarks.md, twelfth round). A client holds no connection of its own: it takes one from its
pool for each command and gives it back, so one client per pool serves every operation, at the scope Django already
shared the pool at (a cache object per thread, or per async context under ASGI). The pool starts afresh in a forked
process, and the kept client with it.
"""

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}  # pool -> client (pools hash by identity; each client holds its pool)

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
