"""Configuration, read once from environment variables at start-up.

``Settings.from_env()`` fails with ``chassis.ConfigError`` naming the variable, so a bad
deployment stops at once instead of serving errors. The README has the table.
"""

from __future__ import annotations

from dataclasses import dataclass

from chassis import ConfigError, env_choice, env_float, env_int, env_str, env_url, log_level

# Gunicorn worker classes: "gthread" (threads overlap the Redis round trips) or "sync" (one
# request at a time per process).
WORKER_CLASSES = ("gthread", "sync")


@dataclass(frozen=True)
class Settings:
    redis_url: str
    port: int = 8082
    # Containers need every interface; tests and benchmarks pass HOST=127.0.0.1.
    host: str = "0.0.0.0"  # noqa: S104
    # Server: one process per core (the GIL), a few threads to overlap the Redis round trips.
    # On the booking command, gthread 2 workers x 4 or 8 threads served the most requests/s
    # on 2 cores (each ahead in one of two runs, within 5-10%), ahead of 4 workers x 2
    # threads and 4 or 8 sync workers (`make bench BENCH_ARGS=--worker-models`,
    # docs/benchmarks-worker-models.md). Fewer threads: less GIL contention.
    worker_class: str = "gthread"
    workers: int = 2
    threads: int = 4  # per worker; gthread only
    # Per process. Each request thread holds at most one connection; two spare ones let
    # /health answer while every thread is busy.
    redis_pool_size: int = 6
    # Seconds. Small on purpose: Redis answers in well under a millisecond, so anything this
    # slow means it is down or overloaded, and the client should get a 503 quickly.
    redis_connect_timeout: float = 0.5
    redis_timeout: float = 1.0
    redis_pool_timeout: float = 0.5
    # Approximate cap on the event log (XADD MAXLEN ~); 0 keeps every event.
    events_maxlen: int = 1_000_000
    log_level: str = "INFO"

    @classmethod
    def from_env(cls) -> Settings:
        threads = env_int("RESERVATIONS_THREADS", cls.threads, min_value=1, max_value=256)
        settings = cls(
            redis_url=env_url("RESERVATIONS_REDIS_URL", schemes=("redis", "rediss")),
            port=env_int("PORT", cls.port, min_value=1, max_value=65535),
            host=env_str("HOST", cls.host),
            worker_class=env_choice(
                "RESERVATIONS_WORKER_CLASS", WORKER_CLASSES, cls.worker_class
            ),
            workers=env_int("RESERVATIONS_WORKERS", cls.workers, min_value=1, max_value=64),
            threads=threads,
            redis_pool_size=env_int(
                "RESERVATIONS_REDIS_POOL_SIZE", threads + 2, min_value=1, max_value=1024
            ),
            redis_connect_timeout=_seconds("RESERVATIONS_REDIS_CONNECT_TIMEOUT", 0.5),
            redis_timeout=_seconds("RESERVATIONS_REDIS_TIMEOUT", 1.0),
            redis_pool_timeout=_seconds("RESERVATIONS_REDIS_POOL_TIMEOUT", 0.5),
            events_maxlen=env_int("RESERVATIONS_EVENTS_MAXLEN", cls.events_maxlen, min_value=0),
            log_level=log_level(),
        )
        if settings.redis_pool_size < settings.threads:
            # Threads beyond the pool would wait for a connection and fail with 503s.
            raise ConfigError(
                f"RESERVATIONS_REDIS_POOL_SIZE ({settings.redis_pool_size}) must be at least "
                f"RESERVATIONS_THREADS ({settings.threads})"
            )
        return settings


def _seconds(name: str, default: float) -> float:
    return env_float(name, default, min_value=0.001, max_value=60)
