from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Ranked")


@_attrs_define
class Ranked:
    """A GPU family or a provider with the usage metered for it in the range.

    Attributes:
        name (str):
        gpu_hours (str):
        revenue_usd (str):
        bookings (int): bookings with usage in the range
    """

    name: str
    gpu_hours: str
    revenue_usd: str
    bookings: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        gpu_hours = self.gpu_hours

        revenue_usd = self.revenue_usd

        bookings = self.bookings

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "gpu_hours": gpu_hours,
                "revenue_usd": revenue_usd,
                "bookings": bookings,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        gpu_hours = d.pop("gpu_hours")

        revenue_usd = d.pop("revenue_usd")

        bookings = d.pop("bookings")

        ranked = cls(
            name=name,
            gpu_hours=gpu_hours,
            revenue_usd=revenue_usd,
            bookings=bookings,
        )

        ranked.additional_properties = d
        return ranked

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
