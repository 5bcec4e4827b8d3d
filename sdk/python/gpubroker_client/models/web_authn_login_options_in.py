from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="WebAuthnLoginOptionsIn")


@_attrs_define
class WebAuthnLoginOptionsIn:
    """
    Attributes:
        mfa_token (str):
    """

    mfa_token: str

    def to_dict(self) -> dict[str, Any]:
        mfa_token = self.mfa_token

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "mfa_token": mfa_token,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        mfa_token = d.pop("mfa_token")

        web_authn_login_options_in = cls(
            mfa_token=mfa_token,
        )

        return web_authn_login_options_in
