from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.plan import Plan
from ..types import UNSET, Unset

T = TypeVar("T", bound="TenantUpdate")


@_attrs_define
class TenantUpdate:
    """
    Attributes:
        name (None | str | Unset):
        plan (None | Plan | Unset):
        rate_limit_rps (float | None | Unset):
        burst (int | None | Unset):
        seats (int | None | Unset):
        ws_limit (int | None | Unset):
        cors_origins (list[str] | None | Unset): origins whose pages may call the API with the team's API keys
            ("https://app.example.com", or "*" for any)
    """

    name: None | str | Unset = UNSET
    plan: None | Plan | Unset = UNSET
    rate_limit_rps: float | None | Unset = UNSET
    burst: int | None | Unset = UNSET
    seats: int | None | Unset = UNSET
    ws_limit: int | None | Unset = UNSET
    cors_origins: list[str] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        plan: None | str | Unset
        if isinstance(self.plan, Unset):
            plan = UNSET
        elif isinstance(self.plan, Plan):
            plan = self.plan.value
        else:
            plan = self.plan

        rate_limit_rps: float | None | Unset
        if isinstance(self.rate_limit_rps, Unset):
            rate_limit_rps = UNSET
        else:
            rate_limit_rps = self.rate_limit_rps

        burst: int | None | Unset
        if isinstance(self.burst, Unset):
            burst = UNSET
        else:
            burst = self.burst

        seats: int | None | Unset
        if isinstance(self.seats, Unset):
            seats = UNSET
        else:
            seats = self.seats

        ws_limit: int | None | Unset
        if isinstance(self.ws_limit, Unset):
            ws_limit = UNSET
        else:
            ws_limit = self.ws_limit

        cors_origins: list[str] | None | Unset
        if isinstance(self.cors_origins, Unset):
            cors_origins = UNSET
        elif isinstance(self.cors_origins, list):
            cors_origins = self.cors_origins

        else:
            cors_origins = self.cors_origins

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if name is not UNSET:
            field_dict["name"] = name
        if plan is not UNSET:
            field_dict["plan"] = plan
        if rate_limit_rps is not UNSET:
            field_dict["rate_limit_rps"] = rate_limit_rps
        if burst is not UNSET:
            field_dict["burst"] = burst
        if seats is not UNSET:
            field_dict["seats"] = seats
        if ws_limit is not UNSET:
            field_dict["ws_limit"] = ws_limit
        if cors_origins is not UNSET:
            field_dict["cors_origins"] = cors_origins

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_plan(data: object) -> None | Plan | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                plan_type_0 = Plan(data)

                return plan_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Plan | Unset, data)

        plan = _parse_plan(d.pop("plan", UNSET))

        def _parse_rate_limit_rps(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        rate_limit_rps = _parse_rate_limit_rps(d.pop("rate_limit_rps", UNSET))

        def _parse_burst(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        burst = _parse_burst(d.pop("burst", UNSET))

        def _parse_seats(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        seats = _parse_seats(d.pop("seats", UNSET))

        def _parse_ws_limit(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        ws_limit = _parse_ws_limit(d.pop("ws_limit", UNSET))

        def _parse_cors_origins(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                cors_origins_type_0 = cast(list[str], data)

                return cors_origins_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        cors_origins = _parse_cors_origins(d.pop("cors_origins", UNSET))

        tenant_update = cls(
            name=name,
            plan=plan,
            rate_limit_rps=rate_limit_rps,
            burst=burst,
            seats=seats,
            ws_limit=ws_limit,
            cors_origins=cors_origins,
        )

        return tenant_update
