"""Small value types shared by the API's query parameters and bodies.

``Day``: a calendar day a person could mean. Python's ``date`` accepts 0001-01-01 to 9999-12-31, and a
day at either end overflows the first time a service adds or subtracts a week from it (issue 12:
``GET /kpis/catalog?day=0001-01-01`` was a 500). Bounding it at the edge turns that into a 422 naming the
parameter, for every endpoint at once.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AfterValidator

FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2999, 12, 31)


def _reasonable(value: date) -> date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(f"must be a day between {FIRST_DAY} and {LAST_DAY}")
    return value


Day = Annotated[date, AfterValidator(_reasonable)]
