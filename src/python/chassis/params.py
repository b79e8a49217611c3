"""Strict text forms for integer and date parameters (FastAPI path and query parameters).

pydantic's lax mode reads "1_0" as 10, "+1", " 1" and "1.0" as 1, and 0 or 1767225600 as a
date (Unix times): a typo or another client's format silently addresses something else. With
these, only the canonical form parses and anything else is a 422 naming the parameter:

    FlightId = Annotated[int, Path(ge=1), CANONICAL_INT]
    departure_date: Annotated[date | None, Query(), ISO_DATE] = None

Put them after ``Path``/``Query``: placed before, pydantic cannot turn ``ge``/``le`` into
JSON Schema and the OpenAPI document shows them raw.
"""

from __future__ import annotations

import re

from pydantic import BeforeValidator

_DIGITS = re.compile(r"[0-9]+")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _canonical_int(value: object) -> object:
    if isinstance(value, str) and not _DIGITS.fullmatch(value):
        raise ValueError("must be a whole number written with the digits 0-9 only")
    return value


def _iso_date(value: object) -> object:
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("must be a date written as YYYY-MM-DD")
    return value


CANONICAL_INT = BeforeValidator(_canonical_int)
ISO_DATE = BeforeValidator(_iso_date)
