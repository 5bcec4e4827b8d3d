from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.invitation_out import InvitationOut
    from ..models.tenant_out import TenantOut


T = TypeVar("T", bound="OpenTenantOut")


@_attrs_define
class OpenTenantOut:
    """
    Attributes:
        tenant (TenantOut):
        invitation (InvitationOut):
    """

    tenant: TenantOut
    invitation: InvitationOut
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        tenant = self.tenant.to_dict()

        invitation = self.invitation.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "tenant": tenant,
                "invitation": invitation,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.invitation_out import InvitationOut  # noqa: PLC0415
        from ..models.tenant_out import TenantOut  # noqa: PLC0415

        d = dict(src_dict)
        tenant = TenantOut.from_dict(d.pop("tenant"))

        invitation = InvitationOut.from_dict(d.pop("invitation"))

        open_tenant_out = cls(
            tenant=tenant,
            invitation=invitation,
        )

        open_tenant_out.additional_properties = d
        return open_tenant_out

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
