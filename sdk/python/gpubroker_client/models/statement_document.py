from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.statement_document_kind import StatementDocumentKind

T = TypeVar("T", bound="StatementDocument")


@_attrs_define
class StatementDocument:
    """
    Attributes:
        number (str):
        kind (StatementDocumentKind):
        status (str):
        day (datetime.date):
        issued_at (datetime.datetime):
        corrects_number (None | str):
        currency (str):
        subtotal_usd (str):
        net (str):
        tax (str):
        total (str):
        memo (None | str):
    """

    number: str
    kind: StatementDocumentKind
    status: str
    day: datetime.date
    issued_at: datetime.datetime
    corrects_number: None | str
    currency: str
    subtotal_usd: str
    net: str
    tax: str
    total: str
    memo: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        number = self.number

        kind = self.kind.value

        status = self.status

        day = self.day.isoformat()

        issued_at = self.issued_at.isoformat()

        corrects_number: None | str
        corrects_number = self.corrects_number

        currency = self.currency

        subtotal_usd = self.subtotal_usd

        net = self.net

        tax = self.tax

        total = self.total

        memo: None | str
        memo = self.memo

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "number": number,
                "kind": kind,
                "status": status,
                "day": day,
                "issued_at": issued_at,
                "corrects_number": corrects_number,
                "currency": currency,
                "subtotal_usd": subtotal_usd,
                "net": net,
                "tax": tax,
                "total": total,
                "memo": memo,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        number = d.pop("number")

        kind = StatementDocumentKind(d.pop("kind"))

        status = d.pop("status")

        day = datetime.date.fromisoformat(d.pop("day"))

        issued_at = datetime.datetime.fromisoformat(d.pop("issued_at"))

        def _parse_corrects_number(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        corrects_number = _parse_corrects_number(d.pop("corrects_number"))

        currency = d.pop("currency")

        subtotal_usd = d.pop("subtotal_usd")

        net = d.pop("net")

        tax = d.pop("tax")

        total = d.pop("total")

        def _parse_memo(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        memo = _parse_memo(d.pop("memo"))

        statement_document = cls(
            number=number,
            kind=kind,
            status=status,
            day=day,
            issued_at=issued_at,
            corrects_number=corrects_number,
            currency=currency,
            subtotal_usd=subtotal_usd,
            net=net,
            tax=tax,
            total=total,
            memo=memo,
        )

        statement_document.additional_properties = d
        return statement_document

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
