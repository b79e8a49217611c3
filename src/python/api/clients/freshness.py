"""How long a seat map may be used without asking the flights service again: the freshness
lifetime of its response (RFC 9111 4.2.1), as a shared cache reads ``Cache-Control``.

The flights service sends ``public, max-age=300, must-revalidate`` (its README: clients may
reuse a seat map for 300 s, then must revalidate and must not use a stale one when it is
unreachable). Anything that forbids reuse (``no-cache``, ``no-store``, ``private``, which
a shared cache such as this layer may not serve from) or is missing means 0: revalidate on
every use, as before. ``Age`` counts against the lifetime.
"""

from __future__ import annotations

from collections.abc import Mapping

_NO_REUSE = frozenset({"no-cache", "no-store", "private"})


def lifetime(headers: Mapping[str, str], cap: float) -> float:
    """Seconds the response stays fresh from when its request was sent, at most ``cap``.
    ``headers``: names in lower case."""
    directives: dict[str, str] = {}
    for part in headers.get("cache-control", "").split(","):
        name, _, value = part.strip().partition("=")
        directives[name.strip().lower()] = value.strip().strip('"')
    if _NO_REUSE & directives.keys():
        return 0.0
    # s-maxage is meant for shared caches and overrides max-age for them.
    seconds = _seconds(directives.get("s-maxage", directives.get("max-age")))
    if seconds is None:
        return 0.0
    age = _seconds(headers.get("age")) or 0
    return float(max(0, min(seconds - age, cap)))


def _seconds(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None
