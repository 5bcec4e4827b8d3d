from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="InvoiceLineOut")


@_attrs_define
class InvoiceLineOut:
    """
    Attributes:
        position (int):
        booking_id (None | str):
        description (str):
        hours (None | str):
        unit_price (None | str):
        amount_usd (str):
    """

    position: int
    booking_id: None | str
    description: str
    hours: None | str
    unit_price: None | str
    amount_usd: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        position = self.position

        booking_id: None | str
        booking_id = self.booking_id

        description = self.description

        hours: None | str
        hours = self.hours

        unit_price: None | str
        unit_price = self.unit_price

        amount_usd = self.amount_usd

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "position": position,
                "booking_id": booking_id,
                "description": description,
                "hours": hours,
                "unit_price": unit_price,
                "amount_usd": amount_usd,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        position = d.pop("position")

        def _parse_booking_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        booking_id = _parse_booking_id(d.pop("booking_id"))

        description = d.pop("description")

        def _parse_hours(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        hours = _parse_hours(d.pop("hours"))

        def _parse_unit_price(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        unit_price = _parse_unit_price(d.pop("unit_price"))

        amount_usd = d.pop("amount_usd")

        invoice_line_out = cls(
            position=position,
            booking_id=booking_id,
            description=description,
            hours=hours,
            unit_price=unit_price,
            amount_usd=amount_usd,
        )

        invoice_line_out.additional_properties = d
        return invoice_line_out

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
