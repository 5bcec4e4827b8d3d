from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ProviderSync")


@_attrs_define
class ProviderSync:
    """
    Attributes:
        provider (str):
        name (str):
        status (str):
        last_sync_ts (datetime.datetime | None):
        last_error (None | str):
        latency_ms (float | None):
        offers (int):
        mode (None | str):
    """

    provider: str
    name: str
    status: str
    last_sync_ts: datetime.datetime | None
    last_error: None | str
    latency_ms: float | None
    offers: int
    mode: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        provider = self.provider

        name = self.name

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

        offers = self.offers

        mode: None | str
        mode = self.mode

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "provider": provider,
                "name": name,
                "status": status,
                "last_sync_ts": last_sync_ts,
                "last_error": last_error,
                "latency_ms": latency_ms,
                "offers": offers,
                "mode": mode,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        provider = d.pop("provider")

        name = d.pop("name")

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

        offers = d.pop("offers")

        def _parse_mode(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        mode = _parse_mode(d.pop("mode"))

        provider_sync = cls(
            provider=provider,
            name=name,
            status=status,
            last_sync_ts=last_sync_ts,
            last_error=last_error,
            latency_ms=latency_ms,
            offers=offers,
            mode=mode,
        )

        provider_sync.additional_properties = d
        return provider_sync

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
