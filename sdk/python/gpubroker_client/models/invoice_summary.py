from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.invoice_summary_kind import InvoiceSummaryKind
from ..types import UNSET, Unset

T = TypeVar("T", bound="InvoiceSummary")


@_attrs_define
class InvoiceSummary:
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
        kind (InvoiceSummaryKind | Unset):  Default: InvoiceSummaryKind.INVOICE.
        corrects_id (None | str | Unset):
        corrects_number (None | str | Unset):
        due_date (datetime.date | None | Unset):
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
    kind: InvoiceSummaryKind | Unset = InvoiceSummaryKind.INVOICE
    corrects_id: None | str | Unset = UNSET
    corrects_number: None | str | Unset = UNSET
    due_date: datetime.date | None | Unset = UNSET
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

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
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

        _kind = d.pop("kind", UNSET)
        kind: InvoiceSummaryKind | Unset
        if isinstance(_kind, Unset):
            kind = UNSET
        else:
            kind = InvoiceSummaryKind(_kind)

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

        invoice_summary = cls(
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
            kind=kind,
            corrects_id=corrects_id,
            corrects_number=corrects_number,
            due_date=due_date,
        )

        invoice_summary.additional_properties = d
        return invoice_summary

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
