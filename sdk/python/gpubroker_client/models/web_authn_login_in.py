from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.web_authn_login_in_credential import WebAuthnLoginInCredential


T = TypeVar("T", bound="WebAuthnLoginIn")


@_attrs_define
class WebAuthnLoginIn:
    """
    Attributes:
        mfa_token (str):
        credential (WebAuthnLoginInCredential):
    """

    mfa_token: str
    credential: WebAuthnLoginInCredential

    def to_dict(self) -> dict[str, Any]:
        mfa_token = self.mfa_token

        credential = self.credential.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "mfa_token": mfa_token,
                "credential": credential,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.web_authn_login_in_credential import WebAuthnLoginInCredential  # noqa: PLC0415

        d = dict(src_dict)
        mfa_token = d.pop("mfa_token")

        credential = WebAuthnLoginInCredential.from_dict(d.pop("credential"))

        web_authn_login_in = cls(
            mfa_token=mfa_token,
            credential=credential,
        )

        return web_authn_login_in
