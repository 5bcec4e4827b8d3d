from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.offer_out_price_scope import OfferOutPriceScope
from ..types import UNSET, Unset

T = TypeVar("T", bound="OfferOut")


@_attrs_define
class OfferOut:
    """
    Attributes:
        id (str):
        provider (str):
        external_id (str):
        name (str):
        gpu_type (str):
        gpu_family (str):
        gpu_variant (None | str):
        gpu_count (int):
        gpu_memory_gb (float):
        vcpu (float | None):
        memory_gb (float | None):
        storage_gb (float | None):
        price_per_hour (float):
        price_per_gpu_hour (float):
        currency (str):
        spot (bool):
        region (str):
        zone (None | str):
        geo (None | str):
        country (None | str):
        availability (str):
        tags (list[str]):
        source (str):
        fetched_at (datetime.datetime):
        last_seen_at (datetime.datetime):
        updated_at (datetime.datetime):
        price_as_of (datetime.datetime): when the provider published or we observed this price (a snapshot's own date)
        price_scope (OfferOutPriceScope | Unset):  Default: OfferOutPriceScope.MACHINE.
        zones (list[str] | None | Unset):
    """

    id: str
    provider: str
    external_id: str
    name: str
    gpu_type: str
    gpu_family: str
    gpu_variant: None | str
    gpu_count: int
    gpu_memory_gb: float
    vcpu: float | None
    memory_gb: float | None
    storage_gb: float | None
    price_per_hour: float
    price_per_gpu_hour: float
    currency: str
    spot: bool
    region: str
    zone: None | str
    geo: None | str
    country: None | str
    availability: str
    tags: list[str]
    source: str
    fetched_at: datetime.datetime
    last_seen_at: datetime.datetime
    updated_at: datetime.datetime
    price_as_of: datetime.datetime
    price_scope: OfferOutPriceScope | Unset = OfferOutPriceScope.MACHINE
    zones: list[str] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        provider = self.provider

        external_id = self.external_id

        name = self.name

        gpu_type = self.gpu_type

        gpu_family = self.gpu_family

        gpu_variant: None | str
        gpu_variant = self.gpu_variant

        gpu_count = self.gpu_count

        gpu_memory_gb = self.gpu_memory_gb

        vcpu: float | None
        vcpu = self.vcpu

        memory_gb: float | None
        memory_gb = self.memory_gb

        storage_gb: float | None
        storage_gb = self.storage_gb

        price_per_hour = self.price_per_hour

        price_per_gpu_hour = self.price_per_gpu_hour

        currency = self.currency

        spot = self.spot

        region = self.region

        zone: None | str
        zone = self.zone

        geo: None | str
        geo = self.geo

        country: None | str
        country = self.country

        availability = self.availability

        tags = self.tags

        source = self.source

        fetched_at = self.fetched_at.isoformat()

        last_seen_at = self.last_seen_at.isoformat()

        updated_at = self.updated_at.isoformat()

        price_as_of = self.price_as_of.isoformat()

        price_scope: str | Unset = UNSET
        if not isinstance(self.price_scope, Unset):
            price_scope = self.price_scope.value

        zones: list[str] | None | Unset
        if isinstance(self.zones, Unset):
            zones = UNSET
        elif isinstance(self.zones, list):
            zones = self.zones

        else:
            zones = self.zones

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "provider": provider,
                "external_id": external_id,
                "name": name,
                "gpu_type": gpu_type,
                "gpu_family": gpu_family,
                "gpu_variant": gpu_variant,
                "gpu_count": gpu_count,
                "gpu_memory_gb": gpu_memory_gb,
                "vcpu": vcpu,
                "memory_gb": memory_gb,
                "storage_gb": storage_gb,
                "price_per_hour": price_per_hour,
                "price_per_gpu_hour": price_per_gpu_hour,
                "currency": currency,
                "spot": spot,
                "region": region,
                "zone": zone,
                "geo": geo,
                "country": country,
                "availability": availability,
                "tags": tags,
                "source": source,
                "fetched_at": fetched_at,
                "last_seen_at": last_seen_at,
                "updated_at": updated_at,
                "price_as_of": price_as_of,
            }
        )
        if price_scope is not UNSET:
            field_dict["price_scope"] = price_scope
        if zones is not UNSET:
            field_dict["zones"] = zones

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        provider = d.pop("provider")

        external_id = d.pop("external_id")

        name = d.pop("name")

        gpu_type = d.pop("gpu_type")

        gpu_family = d.pop("gpu_family")

        def _parse_gpu_variant(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        gpu_variant = _parse_gpu_variant(d.pop("gpu_variant"))

        gpu_count = d.pop("gpu_count")

        gpu_memory_gb = d.pop("gpu_memory_gb")

        def _parse_vcpu(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        vcpu = _parse_vcpu(d.pop("vcpu"))

        def _parse_memory_gb(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        memory_gb = _parse_memory_gb(d.pop("memory_gb"))

        def _parse_storage_gb(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        storage_gb = _parse_storage_gb(d.pop("storage_gb"))

        price_per_hour = d.pop("price_per_hour")

        price_per_gpu_hour = d.pop("price_per_gpu_hour")

        currency = d.pop("currency")

        spot = d.pop("spot")

        region = d.pop("region")

        def _parse_zone(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        zone = _parse_zone(d.pop("zone"))

        def _parse_geo(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        geo = _parse_geo(d.pop("geo"))

        def _parse_country(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        country = _parse_country(d.pop("country"))

        availability = d.pop("availability")

        tags = cast(list[str], d.pop("tags"))

        source = d.pop("source")

        fetched_at = datetime.datetime.fromisoformat(d.pop("fetched_at"))

        last_seen_at = datetime.datetime.fromisoformat(d.pop("last_seen_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        price_as_of = datetime.datetime.fromisoformat(d.pop("price_as_of"))

        _price_scope = d.pop("price_scope", UNSET)
        price_scope: OfferOutPriceScope | Unset
        if isinstance(_price_scope, Unset):
            price_scope = UNSET
        else:
            price_scope = OfferOutPriceScope(_price_scope)

        def _parse_zones(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                zones_type_0 = cast(list[str], data)

                return zones_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        zones = _parse_zones(d.pop("zones", UNSET))

        offer_out = cls(
            id=id,
            provider=provider,
            external_id=external_id,
            name=name,
            gpu_type=gpu_type,
            gpu_family=gpu_family,
            gpu_variant=gpu_variant,
            gpu_count=gpu_count,
            gpu_memory_gb=gpu_memory_gb,
            vcpu=vcpu,
            memory_gb=memory_gb,
            storage_gb=storage_gb,
            price_per_hour=price_per_hour,
            price_per_gpu_hour=price_per_gpu_hour,
            currency=currency,
            spot=spot,
            region=region,
            zone=zone,
            geo=geo,
            country=country,
            availability=availability,
            tags=tags,
            source=source,
            fetched_at=fetched_at,
            last_seen_at=last_seen_at,
            updated_at=updated_at,
            price_as_of=price_as_of,
            price_scope=price_scope,
            zones=zones,
        )

        offer_out.additional_properties = d
        return offer_out

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
