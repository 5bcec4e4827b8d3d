"""FastAPI dependencies of bookings, as ``Annotated`` aliases.

Reading a booking needs a signed-in caller of any role (``booking.read``); changing one (create,
submit, cancel, stop) needs ``booking.write``, which auditors do not have: the policy table of
``accounts.policy`` decides, and a refusal is a 403 that is audited (``accounts.deps.require``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from accounts.deps import get_ctx, require
from accounts.policy import Action
from accounts.service import Ctx, Principal

CanReadBookings = Annotated[Principal, Depends(require(Action.BOOKING_READ))]
CanBook = Annotated[Principal, Depends(require(Action.BOOKING_WRITE))]
BookingCtx = Annotated[Ctx, Depends(get_ctx)]
CanReadCredentials = Annotated[Principal, Depends(require(Action.CREDENTIALS_READ))]
CanWriteCredentials = Annotated[Principal, Depends(require(Action.CREDENTIALS_WRITE))]
CanManageSshKeys = Annotated[Principal, Depends(require(Action.SSH_KEYS))]
