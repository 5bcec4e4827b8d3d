from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.plan import Plan
from ..types import UNSET, Unset

T = TypeVar("T", bound="OpenTenantIn")


@_attrs_define
class OpenTenantIn:
    """
    Attributes:
        name (str):
        admin_email (str):
        plan (Plan | Unset):
    """

    name: str
    admin_email: str
    plan: Plan | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        admin_email = self.admin_email

        plan: str | Unset = UNSET
        if not isinstance(self.plan, Unset):
            plan = self.plan.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "admin_email": admin_email,
            }
        )
        if plan is not UNSET:
            field_dict["plan"] = plan

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        admin_email = d.pop("admin_email")

        _plan = d.pop("plan", UNSET)
        plan: Plan | Unset
        if isinstance(_plan, Unset):
            plan = UNSET
        else:
            plan = Plan(_plan)

        open_tenant_in = cls(
            name=name,
            admin_email=admin_email,
            plan=plan,
        )

        return open_tenant_in
