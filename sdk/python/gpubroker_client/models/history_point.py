from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="HistoryPoint")


@_attrs_define
class HistoryPoint:
    """
    Attributes:
        observed_at (datetime.datetime):
        price_per_hour (float):
        price_per_gpu_hour (float):
        source (str):
    """

    observed_at: datetime.datetime
    price_per_hour: float
    price_per_gpu_hour: float
    source: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        observed_at = self.observed_at.isoformat()

        price_per_hour = self.price_per_hour

        price_per_gpu_hour = self.price_per_gpu_hour

        source = self.source

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "observed_at": observed_at,
                "price_per_hour": price_per_hour,
                "price_per_gpu_hour": price_per_gpu_hour,
                "source": source,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        observed_at = datetime.datetime.fromisoformat(d.pop("observed_at"))

        price_per_hour = d.pop("price_per_hour")

        price_per_gpu_hour = d.pop("price_per_gpu_hour")

        source = d.pop("source")

        history_point = cls(
            observed_at=observed_at,
            price_per_hour=price_per_hour,
            price_per_gpu_hour=price_per_gpu_hour,
            source=source,
        )

        history_point.additional_properties = d
        return history_point

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
