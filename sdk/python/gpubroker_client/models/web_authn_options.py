from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.web_authn_options_options import WebAuthnOptionsOptions


T = TypeVar("T", bound="WebAuthnOptions")


@_attrs_define
class WebAuthnOptions:
    """
    Attributes:
        flow_id (str):
        options (WebAuthnOptionsOptions): PublicKeyCredential creation/request options (JSON)
    """

    flow_id: str
    options: WebAuthnOptionsOptions
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        flow_id = self.flow_id

        options = self.options.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "flow_id": flow_id,
                "options": options,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.web_authn_options_options import WebAuthnOptionsOptions  # noqa: PLC0415

        d = dict(src_dict)
        flow_id = d.pop("flow_id")

        options = WebAuthnOptionsOptions.from_dict(d.pop("options"))

        web_authn_options = cls(
            flow_id=flow_id,
            options=options,
        )

        web_authn_options.additional_properties = d
        return web_authn_options

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
