from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.invoice_out_kind import InvoiceOutKind
from ..models.invoice_out_ledger import InvoiceOutLedger
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.billing_delivery_out import BillingDeliveryOut
    from ..models.invoice_line_out import InvoiceLineOut
    from ..models.invoice_summary import InvoiceSummary
    from ..models.payment_out import PaymentOut


T = TypeVar("T", bound="InvoiceOut")


@_attrs_define
class InvoiceOut:
    """
    Attributes:
        id (str):
        number (str):
        day (datetime.date):
        status (str):
        subtotal_usd (str):
        currency (str):
        fx_rate (None | str):
        fx_rate_date (datetime.date | None):
        net (str):
        tax (str):
        total (str):
        issued_at (datetime.datetime | None):
        period_start (datetime.datetime):
        period_end (datetime.datetime):
        bill_to_name (str):
        bill_to_email (None | str):
        fx_source (None | str):
        lines (list[InvoiceLineOut]):
        kind (InvoiceOutKind | Unset):  Default: InvoiceOutKind.INVOICE.
        corrects_id (None | str | Unset):
        corrects_number (None | str | Unset):
        due_date (datetime.date | None | Unset):
        bill_to_address (None | str | Unset):
        bill_to_country (None | str | Unset):
        bill_to_vat_id (None | str | Unset):
        seller_name (str | Unset):  Default: ''.
        seller_address (None | str | Unset):
        seller_tax_id (None | str | Unset):
        fx_note (None | str | Unset):
        tax_rate (str | Unset):  Default: '0'.
        tax_country (None | str | Unset):
        tax_note (None | str | Unset):
        reverse_charge (bool | Unset):  Default: False.
        payment_terms (None | str | Unset):
        paid_at (datetime.datetime | None | Unset):
        voided_at (datetime.datetime | None | Unset):
        void_reason (None | str | Unset):
        memo (None | str | Unset):
        rounding (None | str | Unset):
        corrections (list[InvoiceSummary] | Unset):
        payments (list[PaymentOut] | Unset):
        deliveries (list[BillingDeliveryOut] | Unset):
        ledger (InvoiceOutLedger | Unset):  Default: InvoiceOutLedger.BUILTIN.
    """

    id: str
    number: str
    day: datetime.date
    status: str
    subtotal_usd: str
    currency: str
    fx_rate: None | str
    fx_rate_date: datetime.date | None
    net: str
    tax: str
    total: str
    issued_at: datetime.datetime | None
    period_start: datetime.datetime
    period_end: datetime.datetime
    bill_to_name: str
    bill_to_email: None | str
    fx_source: None | str
    lines: list[InvoiceLineOut]
    kind: InvoiceOutKind | Unset = InvoiceOutKind.INVOICE
    corrects_id: None | str | Unset = UNSET
    corrects_number: None | str | Unset = UNSET
    due_date: datetime.date | None | Unset = UNSET
    bill_to_address: None | str | Unset = UNSET
    bill_to_country: None | str | Unset = UNSET
    bill_to_vat_id: None | str | Unset = UNSET
    seller_name: str | Unset = ""
    seller_address: None | str | Unset = UNSET
    seller_tax_id: None | str | Unset = UNSET
    fx_note: None | str | Unset = UNSET
    tax_rate: str | Unset = "0"
    tax_country: None | str | Unset = UNSET
    tax_note: None | str | Unset = UNSET
    reverse_charge: bool | Unset = False
    payment_terms: None | str | Unset = UNSET
    paid_at: datetime.datetime | None | Unset = UNSET
    voided_at: datetime.datetime | None | Unset = UNSET
    void_reason: None | str | Unset = UNSET
    memo: None | str | Unset = UNSET
    rounding: None | str | Unset = UNSET
    corrections: list[InvoiceSummary] | Unset = UNSET
    payments: list[PaymentOut] | Unset = UNSET
    deliveries: list[BillingDeliveryOut] | Unset = UNSET
    ledger: InvoiceOutLedger | Unset = InvoiceOutLedger.BUILTIN
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        number = self.number

        day = self.day.isoformat()

        status = self.status

        subtotal_usd = self.subtotal_usd

        currency = self.currency

        fx_rate: None | str
        fx_rate = self.fx_rate

        fx_rate_date: None | str
        if isinstance(self.fx_rate_date, datetime.date):
            fx_rate_date = self.fx_rate_date.isoformat()
        else:
            fx_rate_date = self.fx_rate_date

        net = self.net

        tax = self.tax

        total = self.total

        issued_at: None | str
        if isinstance(self.issued_at, datetime.datetime):
            issued_at = self.issued_at.isoformat()
        else:
            issued_at = self.issued_at

        period_start = self.period_start.isoformat()

        period_end = self.period_end.isoformat()

        bill_to_name = self.bill_to_name

        bill_to_email: None | str
        bill_to_email = self.bill_to_email

        fx_source: None | str
        fx_source = self.fx_source

        lines = []
        for lines_item_data in self.lines:
            lines_item = lines_item_data.to_dict()
            lines.append(lines_item)

        kind: str | Unset = UNSET
        if not isinstance(self.kind, Unset):
            kind = self.kind.value

        corrects_id: None | str | Unset
        if isinstance(self.corrects_id, Unset):
            corrects_id = UNSET
        else:
            corrects_id = self.corrects_id

        corrects_number: None | str | Unset
        if isinstance(self.corrects_number, Unset):
            corrects_number = UNSET
        else:
            corrects_number = self.corrects_number

        due_date: None | str | Unset
        if isinstance(self.due_date, Unset):
            due_date = UNSET
        elif isinstance(self.due_date, datetime.date):
            due_date = self.due_date.isoformat()
        else:
            due_date = self.due_date

        bill_to_address: None | str | Unset
        if isinstance(self.bill_to_address, Unset):
            bill_to_address = UNSET
        else:
            bill_to_address = self.bill_to_address

        bill_to_country: None | str | Unset
        if isinstance(self.bill_to_country, Unset):
            bill_to_country = UNSET
        else:
            bill_to_country = self.bill_to_country

        bill_to_vat_id: None | str | Unset
        if isinstance(self.bill_to_vat_id, Unset):
            bill_to_vat_id = UNSET
        else:
            bill_to_vat_id = self.bill_to_vat_id

        seller_name = self.seller_name

        seller_address: None | str | Unset
        if isinstance(self.seller_address, Unset):
            seller_address = UNSET
        else:
            seller_address = self.seller_address

        seller_tax_id: None | str | Unset
        if isinstance(self.seller_tax_id, Unset):
            seller_tax_id = UNSET
        else:
            seller_tax_id = self.seller_tax_id

        fx_note: None | str | Unset
        if isinstance(self.fx_note, Unset):
            fx_note = UNSET
        else:
            fx_note = self.fx_note

        tax_rate = self.tax_rate

        tax_country: None | str | Unset
        if isinstance(self.tax_country, Unset):
            tax_country = UNSET
        else:
            tax_country = self.tax_country

        tax_note: None | str | Unset
        if isinstance(self.tax_note, Unset):
            tax_note = UNSET
        else:
            tax_note = self.tax_note

        reverse_charge = self.reverse_charge

        payment_terms: None | str | Unset
        if isinstance(self.payment_terms, Unset):
            payment_terms = UNSET
        else:
            payment_terms = self.payment_terms

        paid_at: None | str | Unset
        if isinstance(self.paid_at, Unset):
            paid_at = UNSET
        elif isinstance(self.paid_at, datetime.datetime):
            paid_at = self.paid_at.isoformat()
        else:
            paid_at = self.paid_at

        voided_at: None | str | Unset
        if isinstance(self.voided_at, Unset):
            voided_at = UNSET
        elif isinstance(self.voided_at, datetime.datetime):
            voided_at = self.voided_at.isoformat()
        else:
            voided_at = self.voided_at

        void_reason: None | str | Unset
        if isinstance(self.void_reason, Unset):
            void_reason = UNSET
        else:
            void_reason = self.void_reason

        memo: None | str | Unset
        if isinstance(self.memo, Unset):
            memo = UNSET
        else:
            memo = self.memo

        rounding: None | str | Unset
        if isinstance(self.rounding, Unset):
            rounding = UNSET
        else:
            rounding = self.rounding

        corrections: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.corrections, Unset):
            corrections = []
            for corrections_item_data in self.corrections:
                corrections_item = corrections_item_data.to_dict()
                corrections.append(corrections_item)

        payments: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.payments, Unset):
            payments = []
            for payments_item_data in self.payments:
                payments_item = payments_item_data.to_dict()
                payments.append(payments_item)

        deliveries: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.deliveries, Unset):
            deliveries = []
            for deliveries_item_data in self.deliveries:
                deliveries_item = deliveries_item_data.to_dict()
                deliveries.append(deliveries_item)

        ledger: str | Unset = UNSET
        if not isinstance(self.ledger, Unset):
            ledger = self.ledger.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "number": number,
                "day": day,
                "status": status,
                "subtotal_usd": subtotal_usd,
                "currency": currency,
                "fx_rate": fx_rate,
                "fx_rate_date": fx_rate_date,
                "net": net,
                "tax": tax,
                "total": total,
                "issued_at": issued_at,
                "period_start": period_start,
                "period_end": period_end,
                "bill_to_name": bill_to_name,
                "bill_to_email": bill_to_email,
                "fx_source": fx_source,
                "lines": lines,
            }
        )
        if kind is not UNSET:
            field_dict["kind"] = kind
        if corrects_id is not UNSET:
            field_dict["corrects_id"] = corrects_id
        if corrects_number is not UNSET:
            field_dict["corrects_number"] = corrects_number
        if due_date is not UNSET:
            field_dict["due_date"] = due_date
        if bill_to_address is not UNSET:
            field_dict["bill_to_address"] = bill_to_address
        if bill_to_country is not UNSET:
            field_dict["bill_to_country"] = bill_to_country
        if bill_to_vat_id is not UNSET:
            field_dict["bill_to_vat_id"] = bill_to_vat_id
        if seller_name is not UNSET:
            field_dict["seller_name"] = seller_name
        if seller_address is not UNSET:
            field_dict["seller_address"] = seller_address
        if seller_tax_id is not UNSET:
            field_dict["seller_tax_id"] = seller_tax_id
        if fx_note is not UNSET:
            field_dict["fx_note"] = fx_note
        if tax_rate is not UNSET:
            field_dict["tax_rate"] = tax_rate
        if tax_country is not UNSET:
            field_dict["tax_country"] = tax_country
        if tax_note is not UNSET:
            field_dict["tax_note"] = tax_note
        if reverse_charge is not UNSET:
            field_dict["reverse_charge"] = reverse_charge
        if payment_terms is not UNSET:
            field_dict["payment_terms"] = payment_terms
        if paid_at is not UNSET:
            field_dict["paid_at"] = paid_at
        if voided_at is not UNSET:
            field_dict["voided_at"] = voided_at
        if void_reason is not UNSET:
            field_dict["void_reason"] = void_reason
        if memo is not UNSET:
            field_dict["memo"] = memo
        if rounding is not UNSET:
            field_dict["rounding"] = rounding
        if corrections is not UNSET:
            field_dict["corrections"] = corrections
        if payments is not UNSET:
            field_dict["payments"] = payments
        if deliveries is not UNSET:
            field_dict["deliveries"] = deliveries
        if ledger is not UNSET:
            field_dict["ledger"] = ledger

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.billing_delivery_out import BillingDeliveryOut  # noqa: PLC0415
        from ..models.invoice_line_out import InvoiceLineOut  # noqa: PLC0415
        from ..models.invoice_summary import InvoiceSummary  # noqa: PLC0415
        from ..models.payment_out import PaymentOut  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        number = d.pop("number")

        day = datetime.date.fromisoformat(d.pop("day"))

        status = d.pop("status")

        subtotal_usd = d.pop("subtotal_usd")

        currency = d.pop("currency")

        def _parse_fx_rate(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        fx_rate = _parse_fx_rate(d.pop("fx_rate"))

        def _parse_fx_rate_date(data: object) -> datetime.date | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                fx_rate_date_type_0 = datetime.date.fromisoformat(data)

                return fx_rate_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None, data)

        fx_rate_date = _parse_fx_rate_date(d.pop("fx_rate_date"))

        net = d.pop("net")

        tax = d.pop("tax")

        total = d.pop("total")

        def _parse_issued_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                issued_at_type_0 = datetime.datetime.fromisoformat(data)

                return issued_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        issued_at = _parse_issued_at(d.pop("issued_at"))

        period_start = datetime.datetime.fromisoformat(d.pop("period_start"))

        period_end = datetime.datetime.fromisoformat(d.pop("period_end"))

        bill_to_name = d.pop("bill_to_name")

        def _parse_bill_to_email(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        bill_to_email = _parse_bill_to_email(d.pop("bill_to_email"))

        def _parse_fx_source(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        fx_source = _parse_fx_source(d.pop("fx_source"))

        lines = []
        _lines = d.pop("lines")
        for lines_item_data in _lines:
            lines_item = InvoiceLineOut.from_dict(lines_item_data)

            lines.append(lines_item)

        _kind = d.pop("kind", UNSET)
        kind: InvoiceOutKind | Unset
        if isinstance(_kind, Unset):
            kind = UNSET
        else:
            kind = InvoiceOutKind(_kind)

        def _parse_corrects_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        corrects_id = _parse_corrects_id(d.pop("corrects_id", UNSET))

        def _parse_corrects_number(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        corrects_number = _parse_corrects_number(d.pop("corrects_number", UNSET))

        def _parse_due_date(data: object) -> datetime.date | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                due_date_type_0 = datetime.date.fromisoformat(data)

                return due_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None | Unset, data)

        due_date = _parse_due_date(d.pop("due_date", UNSET))

        def _parse_bill_to_address(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        bill_to_address = _parse_bill_to_address(d.pop("bill_to_address", UNSET))

        def _parse_bill_to_country(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        bill_to_country = _parse_bill_to_country(d.pop("bill_to_country", UNSET))

        def _parse_bill_to_vat_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        bill_to_vat_id = _parse_bill_to_vat_id(d.pop("bill_to_vat_id", UNSET))

        seller_name = d.pop("seller_name", UNSET)

        def _parse_seller_address(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        seller_address = _parse_seller_address(d.pop("seller_address", UNSET))

        def _parse_seller_tax_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        seller_tax_id = _parse_seller_tax_id(d.pop("seller_tax_id", UNSET))

        def _parse_fx_note(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        fx_note = _parse_fx_note(d.pop("fx_note", UNSET))

        tax_rate = d.pop("tax_rate", UNSET)

        def _parse_tax_country(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        tax_country = _parse_tax_country(d.pop("tax_country", UNSET))

        def _parse_tax_note(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        tax_note = _parse_tax_note(d.pop("tax_note", UNSET))

        reverse_charge = d.pop("reverse_charge", UNSET)

        def _parse_payment_terms(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        payment_terms = _parse_payment_terms(d.pop("payment_terms", UNSET))

        def _parse_paid_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                paid_at_type_0 = datetime.datetime.fromisoformat(data)

                return paid_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        paid_at = _parse_paid_at(d.pop("paid_at", UNSET))

        def _parse_voided_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                voided_at_type_0 = datetime.datetime.fromisoformat(data)

                return voided_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        voided_at = _parse_voided_at(d.pop("voided_at", UNSET))

        def _parse_void_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        void_reason = _parse_void_reason(d.pop("void_reason", UNSET))

        def _parse_memo(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        memo = _parse_memo(d.pop("memo", UNSET))

        def _parse_rounding(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        rounding = _parse_rounding(d.pop("rounding", UNSET))

        _corrections = d.pop("corrections", UNSET)
        corrections: list[InvoiceSummary] | Unset = UNSET
        if _corrections is not UNSET:
            corrections = []
            for corrections_item_data in _corrections:
                corrections_item = InvoiceSummary.from_dict(corrections_item_data)

                corrections.append(corrections_item)

        _payments = d.pop("payments", UNSET)
        payments: list[PaymentOut] | Unset = UNSET
        if _payments is not UNSET:
            payments = []
            for payments_item_data in _payments:
                payments_item = PaymentOut.from_dict(payments_item_data)

                payments.append(payments_item)

        _deliveries = d.pop("deliveries", UNSET)
        deliveries: list[BillingDeliveryOut] | Unset = UNSET
        if _deliveries is not UNSET:
            deliveries = []
            for deliveries_item_data in _deliveries:
                deliveries_item = BillingDeliveryOut.from_dict(deliveries_item_data)

                deliveries.append(deliveries_item)

        _ledger = d.pop("ledger", UNSET)
        ledger: InvoiceOutLedger | Unset
        if isinstance(_ledger, Unset):
            ledger = UNSET
        else:
            ledger = InvoiceOutLedger(_ledger)

        invoice_out = cls(
            id=id,
            number=number,
            day=day,
            status=status,
            subtotal_usd=subtotal_usd,
            currency=currency,
            fx_rate=fx_rate,
            fx_rate_date=fx_rate_date,
            net=net,
            tax=tax,
            total=total,
            issued_at=issued_at,
            period_start=period_start,
            period_end=period_end,
            bill_to_name=bill_to_name,
            bill_to_email=bill_to_email,
            fx_source=fx_source,
            lines=lines,
            kind=kind,
            corrects_id=corrects_id,
            corrects_number=corrects_number,
            due_date=due_date,
            bill_to_address=bill_to_address,
            bill_to_country=bill_to_country,
            bill_to_vat_id=bill_to_vat_id,
            seller_name=seller_name,
            seller_address=seller_address,
            seller_tax_id=seller_tax_id,
            fx_note=fx_note,
            tax_rate=tax_rate,
            tax_country=tax_country,
            tax_note=tax_note,
            reverse_charge=reverse_charge,
            payment_terms=payment_terms,
            paid_at=paid_at,
            voided_at=voided_at,
            void_reason=void_reason,
            memo=memo,
            rounding=rounding,
            corrections=corrections,
            payments=payments,
            deliveries=deliveries,
            ledger=ledger,
        )

        invoice_out.additional_properties = d
        return invoice_out

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
