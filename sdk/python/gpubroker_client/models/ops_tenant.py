from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="OpsTenant")


@_attrs_define
class OpsTenant:
    """
    Attributes:
        id (str):
        name (str):
        plan (str):
        rate_limit_rps (float):
        burst (int):
        seats (int):
        ws_limit (int):
        active (bool):
        created_at (datetime.datetime):
        users (int):
        cors_origins (list[str] | Unset):
    """

    id: str
    name: str
    plan: str
    rate_limit_rps: float
    burst: int
    seats: int
    ws_limit: int
    active: bool
    created_at: datetime.datetime
    users: int
    cors_origins: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        name = self.name

        plan = self.plan

        rate_limit_rps = self.rate_limit_rps

        burst = self.burst

        seats = self.seats

        ws_limit = self.ws_limit

        active = self.active

        created_at = self.created_at.isoformat()

        users = self.users

        cors_origins: list[str] | Unset = UNSET
        if not isinstance(self.cors_origins, Unset):
            cors_origins = self.cors_origins

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
                "plan": plan,
                "rate_limit_rps": rate_limit_rps,
                "burst": burst,
                "seats": seats,
                "ws_limit": ws_limit,
                "active": active,
                "created_at": created_at,
                "users": users,
            }
        )
        if cors_origins is not UNSET:
            field_dict["cors_origins"] = cors_origins

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        name = d.pop("name")

        plan = d.pop("plan")

        rate_limit_rps = d.pop("rate_limit_rps")

        burst = d.pop("burst")

        seats = d.pop("seats")

        ws_limit = d.pop("ws_limit")

        active = d.pop("active")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        users = d.pop("users")

        cors_origins = cast(list[str], d.pop("cors_origins", UNSET))

        ops_tenant = cls(
            id=id,
            name=name,
            plan=plan,
            rate_limit_rps=rate_limit_rps,
            burst=burst,
            seats=seats,
            ws_limit=ws_limit,
            active=active,
            created_at=created_at,
            users=users,
            cors_origins=cors_origins,
        )

        ops_tenant.additional_properties = d
        return ops_tenant

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
