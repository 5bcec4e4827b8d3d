from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.provider_health_out_mode_type_0 import ProviderHealthOutModeType0
from ..types import UNSET, Unset

T = TypeVar("T", bound="ProviderHealthOut")


@_attrs_define
class ProviderHealthOut:
    """
    Attributes:
        provider (str):
        status (str):
        last_sync_ts (datetime.datetime | None):
        last_error (None | str):
        latency_ms (float | None):
        name (None | str | Unset):
        offers (int | Unset):  Default: 0.
        mode (None | ProviderHealthOutModeType0 | Unset):
        data_as_of (datetime.datetime | None | Unset): how old the provider's prices are
        age_s (float | None | Unset): seconds since data_as_of
        sync_interval_s (int | None | Unset): how often a live provider is synced
        failures (int | Unset):  Default: 0.
    """

    provider: str
    status: str
    last_sync_ts: datetime.datetime | None
    last_error: None | str
    latency_ms: float | None
    name: None | str | Unset = UNSET
    offers: int | Unset = 0
    mode: None | ProviderHealthOutModeType0 | Unset = UNSET
    data_as_of: datetime.datetime | None | Unset = UNSET
    age_s: float | None | Unset = UNSET
    sync_interval_s: int | None | Unset = UNSET
    failures: int | Unset = 0
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        provider = self.provider

        status = self.status

        last_sync_ts: None | str
        if isinstance(self.last_sync_ts, datetime.datetime):
            last_sync_ts = self.last_sync_ts.isoformat()
        else:
            last_sync_ts = self.last_sync_ts

        last_error: None | str
        last_error = self.last_error

        latency_ms: float | None
        latency_ms = self.latency_ms

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        offers = self.offers

        mode: None | str | Unset
        if isinstance(self.mode, Unset):
            mode = UNSET
        elif isinstance(self.mode, ProviderHealthOutModeType0):
            mode = self.mode.value
        else:
            mode = self.mode

        data_as_of: None | str | Unset
        if isinstance(self.data_as_of, Unset):
            data_as_of = UNSET
        elif isinstance(self.data_as_of, datetime.datetime):
            data_as_of = self.data_as_of.isoformat()
        else:
            data_as_of = self.data_as_of

        age_s: float | None | Unset
        if isinstance(self.age_s, Unset):
            age_s = UNSET
        else:
            age_s = self.age_s

        sync_interval_s: int | None | Unset
        if isinstance(self.sync_interval_s, Unset):
            sync_interval_s = UNSET
        else:
            sync_interval_s = self.sync_interval_s

        failures = self.failures

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "provider": provider,
                "status": status,
                "last_sync_ts": last_sync_ts,
                "last_error": last_error,
                "latency_ms": latency_ms,
            }
        )
        if name is not UNSET:
            field_dict["name"] = name
        if offers is not UNSET:
            field_dict["offers"] = offers
        if mode is not UNSET:
            field_dict["mode"] = mode
        if data_as_of is not UNSET:
            field_dict["data_as_of"] = data_as_of
        if age_s is not UNSET:
            field_dict["age_s"] = age_s
        if sync_interval_s is not UNSET:
            field_dict["sync_interval_s"] = sync_interval_s
        if failures is not UNSET:
            field_dict["failures"] = failures

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        provider = d.pop("provider")

        status = d.pop("status")

        def _parse_last_sync_ts(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_sync_ts_type_0 = datetime.datetime.fromisoformat(data)

                return last_sync_ts_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_sync_ts = _parse_last_sync_ts(d.pop("last_sync_ts"))

        def _parse_last_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_error = _parse_last_error(d.pop("last_error"))

        def _parse_latency_ms(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        latency_ms = _parse_latency_ms(d.pop("latency_ms"))

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        offers = d.pop("offers", UNSET)

        def _parse_mode(data: object) -> None | ProviderHealthOutModeType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                mode_type_0 = ProviderHealthOutModeType0(data)

                return mode_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ProviderHealthOutModeType0 | Unset, data)

        mode = _parse_mode(d.pop("mode", UNSET))

        def _parse_data_as_of(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                data_as_of_type_0 = datetime.datetime.fromisoformat(data)

                return data_as_of_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        data_as_of = _parse_data_as_of(d.pop("data_as_of", UNSET))

        def _parse_age_s(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        age_s = _parse_age_s(d.pop("age_s", UNSET))

        def _parse_sync_interval_s(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        sync_interval_s = _parse_sync_interval_s(d.pop("sync_interval_s", UNSET))

        failures = d.pop("failures", UNSET)

        provider_health_out = cls(
            provider=provider,
            status=status,
            last_sync_ts=last_sync_ts,
            last_error=last_error,
            latency_ms=latency_ms,
            name=name,
            offers=offers,
            mode=mode,
            data_as_of=data_as_of,
            age_s=age_s,
            sync_interval_s=sync_interval_s,
            failures=failures,
        )

        provider_health_out.additional_properties = d
        return provider_health_out

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
