"""Django's Redis cache backend, with one Redis client per connection pool.

Django's backend builds a new `redis.Redis` client for every cache operation, and building one
costs more than a round trip to Redis on a local network (its constructor fills a table of some
170 response callbacks); a cached page costs one or two cache operations. A client only wraps
its connection pool, and redis-py documents clients as safe to share between threads, so one
client per pool serves every thread of the process.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))  # pools live as long as this object
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class SharedClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
