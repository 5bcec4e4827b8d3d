"""The provisioner interface: what booking needs from a provider to start and stop an instance.

A provisioner only asks; the provider answers through its webhooks (``POST /webhooks/<provider>``),
which is where a booking becomes active, completed or failed. ``provision`` must be idempotent on
the booking id: a submit that failed after the provider accepted (our commit did not happen) is
retried, and must get the same instance back rather than a second one.
"""

from __future__ import annotations

from typing import Protocol

from booking.models import Booking


class Provisioner(Protocol):
    def provision(self, booking: Booking) -> str:
        """Asks the provider for the booking's instance; returns the provider's instance id."""
        ...

    def stop(self, booking: Booking) -> None:
        """Asks the provider to end the booking's instance (``booking.provider_ref``)."""
        ...
