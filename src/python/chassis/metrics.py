"""Prometheus RED metrics per app, labelled by route template to bound cardinality."""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
)

CONTENT_TYPE = CONTENT_TYPE_LATEST
UNMATCHED = "<unmatched>"  # label for requests no route matched (404s, scanners)

# Anything else a client invents is folded into OTHER, or it could mint series at will.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class HttpMetrics:
    """``http_requests_total`` and ``http_request_duration_seconds`` by method, route, status.

    A fresh registry per app lets tests build many apps in one process; services that add
    their own metrics pass the registry they registered them on.
    """

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        if registry is None:
            registry = CollectorRegistry()
            ProcessCollector(registry=registry)
        self.registry = registry
        labels = ("method", "route", "status")
        self._requests = Counter(
            "http_requests", "HTTP requests handled.", labels, registry=registry
        )
        self._latency = Histogram(
            "http_request_duration_seconds", "HTTP request latency.", labels, registry=registry
        )
        # prometheus_client's .labels() validates and locks on every call; cache children.
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            if method not in _METHODS:
                key = ("OTHER", route, status)
            values = (key[0], route, str(status))
            children = (self._requests.labels(*values), self._latency.labels(*values))
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
