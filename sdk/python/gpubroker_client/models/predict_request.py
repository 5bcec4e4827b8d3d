from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="PredictRequest")


@_attrs_define
class PredictRequest:
    """
    Attributes:
        hours (float): how long it runs
        gpu_type (None | str | Unset): GPU family or alias: H100, 'a100 80gb', 4090
        offer_id (None | str | Unset): forecast this offer's own price (instead of gpu_type; it fixes GPU, region and
            provider)
        count (int | Unset): number of GPUs; with offer_id, number of such machines Default: 1.
        region (None | str | Unset): geo (eu, na, ...), country or a provider region
        provider (None | str | Unset):
        spot (bool | Unset):  Default: False.
    """

    hours: float
    gpu_type: None | str | Unset = UNSET
    offer_id: None | str | Unset = UNSET
    count: int | Unset = 1
    region: None | str | Unset = UNSET
    provider: None | str | Unset = UNSET
    spot: bool | Unset = False

    def to_dict(self) -> dict[str, Any]:
        hours = self.hours

        gpu_type: None | str | Unset
        if isinstance(self.gpu_type, Unset):
            gpu_type = UNSET
        else:
            gpu_type = self.gpu_type

        offer_id: None | str | Unset
        if isinstance(self.offer_id, Unset):
            offer_id = UNSET
        else:
            offer_id = self.offer_id

        count = self.count

        region: None | str | Unset
        if isinstance(self.region, Unset):
            region = UNSET
        else:
            region = self.region

        provider: None | str | Unset
        if isinstance(self.provider, Unset):
            provider = UNSET
        else:
            provider = self.provider

        spot = self.spot

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "hours": hours,
            }
        )
        if gpu_type is not UNSET:
            field_dict["gpu_type"] = gpu_type
        if offer_id is not UNSET:
            field_dict["offer_id"] = offer_id
        if count is not UNSET:
            field_dict["count"] = count
        if region is not UNSET:
            field_dict["region"] = region
        if provider is not UNSET:
            field_dict["provider"] = provider
        if spot is not UNSET:
            field_dict["spot"] = spot

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        hours = d.pop("hours")

        def _parse_gpu_type(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        gpu_type = _parse_gpu_type(d.pop("gpu_type", UNSET))

        def _parse_offer_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        offer_id = _parse_offer_id(d.pop("offer_id", UNSET))

        count = d.pop("count", UNSET)

        def _parse_region(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        region = _parse_region(d.pop("region", UNSET))

        def _parse_provider(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        provider = _parse_provider(d.pop("provider", UNSET))

        spot = d.pop("spot", UNSET)

        predict_request = cls(
            hours=hours,
            gpu_type=gpu_type,
            offer_id=offer_id,
            count=count,
            region=region,
            provider=provider,
            spot=spot,
        )

        return predict_request
