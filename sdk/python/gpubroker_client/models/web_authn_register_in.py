from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.web_authn_register_in_credential import WebAuthnRegisterInCredential


T = TypeVar("T", bound="WebAuthnRegisterIn")


@_attrs_define
class WebAuthnRegisterIn:
    """
    Attributes:
        flow_id (str):
        credential (WebAuthnRegisterInCredential):
        name (str | Unset):  Default: 'security key'.
    """

    flow_id: str
    credential: WebAuthnRegisterInCredential
    name: str | Unset = "security key"

    def to_dict(self) -> dict[str, Any]:
        flow_id = self.flow_id

        credential = self.credential.to_dict()

        name = self.name

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "flow_id": flow_id,
                "credential": credential,
            }
        )
        if name is not UNSET:
            field_dict["name"] = name

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.web_authn_register_in_credential import WebAuthnRegisterInCredential  # noqa: PLC0415

        d = dict(src_dict)
        flow_id = d.pop("flow_id")

        credential = WebAuthnRegisterInCredential.from_dict(d.pop("credential"))

        name = d.pop("name", UNSET)

        web_authn_register_in = cls(
            flow_id=flow_id,
            credential=credential,
            name=name,
        )

        return web_authn_register_in
