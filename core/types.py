"""Small value types shared by the API's query parameters, bodies and answers.

``Day``: a calendar day a person could mean. Python's ``date`` accepts 0001-01-01 to 9999-12-31, and a
day at either end overflows the first time a service adds or subtracts a week from it (issue 12:
``GET /kpis/catalog?day=0001-01-01`` was a 500). Bounding it at the edge turns that into a 422 naming the
parameter, for every endpoint at once.

``PageNumber``: which page of a listing, 1 to 100,000 (the bound every listing uses). Unbounded, a
page number far out multiplies into an offset SQLite cannot bind (an ``OverflowError``, a 500 that
schemathesis found on ``GET /ops/tenants``).

``UtcDateTime``: a moment in an answer, always with its offset. SQLite hands datetimes back naive;
everything stored is UTC, and the documented ``date-time`` format (RFC 3339) needs the offset.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import Query
from pydantic import AfterValidator

FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2999, 12, 31)


def _reasonable(value: date) -> date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(f"must be a day between {FIRST_DAY} and {LAST_DAY}")
    return value


Day = Annotated[date, AfterValidator(_reasonable)]

MAX_PAGE = 100_000
PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE, description="page number, from 1")]


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


UtcDateTime = Annotated[datetime, AfterValidator(_utc)]
