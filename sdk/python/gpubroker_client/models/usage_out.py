from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="UsageOut")


@_attrs_define
class UsageOut:
    """
    Attributes:
        id (str):
        booking_id (str):
        day (datetime.date):
        started_at (datetime.datetime):
        ended_at (datetime.datetime):
        hours (str):
        unit_price (str):
        amount (str):
        currency (str):
        final (bool):
        provider_id (str):
        offer_name (str):
        gpu_type (str):
        gpu_count (int):
    """

    id: str
    booking_id: str
    day: datetime.date
    started_at: datetime.datetime
    ended_at: datetime.datetime
    hours: str
    unit_price: str
    amount: str
    currency: str
    final: bool
    provider_id: str
    offer_name: str
    gpu_type: str
    gpu_count: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        booking_id = self.booking_id

        day = self.day.isoformat()

        started_at = self.started_at.isoformat()

        ended_at = self.ended_at.isoformat()

        hours = self.hours

        unit_price = self.unit_price

        amount = self.amount

        currency = self.currency

        final = self.final

        provider_id = self.provider_id

        offer_name = self.offer_name

        gpu_type = self.gpu_type

        gpu_count = self.gpu_count

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "booking_id": booking_id,
                "day": day,
                "started_at": started_at,
                "ended_at": ended_at,
                "hours": hours,
                "unit_price": unit_price,
                "amount": amount,
                "currency": currency,
                "final": final,
                "provider_id": provider_id,
                "offer_name": offer_name,
                "gpu_type": gpu_type,
                "gpu_count": gpu_count,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        booking_id = d.pop("booking_id")

        day = datetime.date.fromisoformat(d.pop("day"))

        started_at = datetime.datetime.fromisoformat(d.pop("started_at"))

        ended_at = datetime.datetime.fromisoformat(d.pop("ended_at"))

        hours = d.pop("hours")

        unit_price = d.pop("unit_price")

        amount = d.pop("amount")

        currency = d.pop("currency")

        final = d.pop("final")

        provider_id = d.pop("provider_id")

        offer_name = d.pop("offer_name")

        gpu_type = d.pop("gpu_type")

        gpu_count = d.pop("gpu_count")

        usage_out = cls(
            id=id,
            booking_id=booking_id,
            day=day,
            started_at=started_at,
            ended_at=ended_at,
            hours=hours,
            unit_price=unit_price,
            amount=amount,
            currency=currency,
            final=final,
            provider_id=provider_id,
            offer_name=offer_name,
            gpu_type=gpu_type,
            gpu_count=gpu_count,
        )

        usage_out.additional_properties = d
        return usage_out

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
