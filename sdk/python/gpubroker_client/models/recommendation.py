from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Recommendation")


@_attrs_define
class Recommendation:
    """
    Attributes:
        provider_id (str):
        offer_id (str):
        reason (str):
        name (str):
        price_per_hour (float):
        price_per_gpu_hour (float):
        gpu_count (int):
        gpu_family (str):
        region (str):
        url (str):
    """

    provider_id: str
    offer_id: str
    reason: str
    name: str
    price_per_hour: float
    price_per_gpu_hour: float
    gpu_count: int
    gpu_family: str
    region: str
    url: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        provider_id = self.provider_id

        offer_id = self.offer_id

        reason = self.reason

        name = self.name

        price_per_hour = self.price_per_hour

        price_per_gpu_hour = self.price_per_gpu_hour

        gpu_count = self.gpu_count

        gpu_family = self.gpu_family

        region = self.region

        url = self.url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "provider_id": provider_id,
                "offer_id": offer_id,
                "reason": reason,
                "name": name,
                "price_per_hour": price_per_hour,
                "price_per_gpu_hour": price_per_gpu_hour,
                "gpu_count": gpu_count,
                "gpu_family": gpu_family,
                "region": region,
                "url": url,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        provider_id = d.pop("provider_id")

        offer_id = d.pop("offer_id")

        reason = d.pop("reason")

        name = d.pop("name")

        price_per_hour = d.pop("price_per_hour")

        price_per_gpu_hour = d.pop("price_per_gpu_hour")

        gpu_count = d.pop("gpu_count")

        gpu_family = d.pop("gpu_family")

        region = d.pop("region")

        url = d.pop("url")

        recommendation = cls(
            provider_id=provider_id,
            offer_id=offer_id,
            reason=reason,
            name=name,
            price_per_hour=price_per_hour,
            price_per_gpu_hour=price_per_gpu_hour,
            gpu_count=gpu_count,
            gpu_family=gpu_family,
            region=region,
            url=url,
        )

        recommendation.additional_properties = d
        return recommendation

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
