from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.passkey_login_in_credential import PasskeyLoginInCredential


T = TypeVar("T", bound="PasskeyLoginIn")


@_attrs_define
class PasskeyLoginIn:
    """
    Attributes:
        flow_id (str):
        credential (PasskeyLoginInCredential):
    """

    flow_id: str
    credential: PasskeyLoginInCredential

    def to_dict(self) -> dict[str, Any]:
        flow_id = self.flow_id

        credential = self.credential.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "flow_id": flow_id,
                "credential": credential,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.passkey_login_in_credential import PasskeyLoginInCredential  # noqa: PLC0415

        d = dict(src_dict)
        flow_id = d.pop("flow_id")

        credential = PasskeyLoginInCredential.from_dict(d.pop("credential"))

        passkey_login_in = cls(
            flow_id=flow_id,
            credential=credential,
        )

        return passkey_login_in
