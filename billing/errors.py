"""Errors of billing, in the one envelope every API error uses (``core.errors``)."""

from __future__ import annotations

from core.errors import AppError, Conflict, InvalidInput


class UnsupportedCurrency(InvalidInput):
    code = "unsupported_currency"


class DayNotClosed(InvalidInput):
    """A day is billed once it has ended in UTC; before that its usage can still grow."""

    code = "day_not_closed"


class FxRateUnavailable(Conflict):
    """No published rate to convert with: the invoice is not issued rather than issued with a guess."""

    code = "fx_rate_unavailable"


class FxRateStale(Conflict):
    """The newest rate held is too old for the day: the invoice waits for fresh rates, never a stale one."""

    code = "fx_rate_stale"


class InvalidBillingDetails(InvalidInput):
    code = "invalid_billing_details"


class InvoiceStateError(Conflict):
    """The document's status does not allow this (voiding a paid invoice, paying a void one)."""

    code = "invoice_state"


class FxSourceError(AppError):
    code = "fx_source_error"
    status = 502


class KillBillError(AppError):
    """Kill Bill refused or failed a call; ``details`` carries its own error document."""

    code = "killbill_error"
    status = 502


class PdfNotAvailable(Conflict):
    code = "pdf_not_available"
