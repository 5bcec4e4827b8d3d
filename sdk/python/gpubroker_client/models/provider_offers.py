from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ProviderOffers")


@_attrs_define
class ProviderOffers:
    """
    Attributes:
        provider (str):
        up (int | Unset):  Default: 0.
        degraded (int | Unset):  Default: 0.
        down (int | Unset):  Default: 0.
        total (int | Unset):  Default: 0.
    """

    provider: str
    up: int | Unset = 0
    degraded: int | Unset = 0
    down: int | Unset = 0
    total: int | Unset = 0
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        provider = self.provider

        up = self.up

        degraded = self.degraded

        down = self.down

        total = self.total

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "provider": provider,
            }
        )
        if up is not UNSET:
            field_dict["up"] = up
        if degraded is not UNSET:
            field_dict["degraded"] = degraded
        if down is not UNSET:
            field_dict["down"] = down
        if total is not UNSET:
            field_dict["total"] = total

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        provider = d.pop("provider")

        up = d.pop("up", UNSET)

        degraded = d.pop("degraded", UNSET)

        down = d.pop("down", UNSET)

        total = d.pop("total", UNSET)

        provider_offers = cls(
            provider=provider,
            up=up,
            degraded=degraded,
            down=down,
            total=total,
        )

        provider_offers.additional_properties = d
        return provider_offers

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
