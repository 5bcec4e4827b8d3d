from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CredentialsOut")


@_attrs_define
class CredentialsOut:
    """What we keep about a team's provider account, without any secret.

    Attributes:
        provider_id (str):
        status (str): "stored": checked with the provider when saved
        hint (str): enough of the key to recognise it, never enough to use it
        account (None | str): how the provider described the account when it was checked
        cipher (str): aes-256-gcm or vault-transit
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        validated_at (datetime.datetime):
    """

    provider_id: str
    status: str
    hint: str
    account: None | str
    cipher: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    validated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        provider_id = self.provider_id

        status = self.status

        hint = self.hint

        account: None | str
        account = self.account

        cipher = self.cipher

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        validated_at = self.validated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "provider_id": provider_id,
                "status": status,
                "hint": hint,
                "account": account,
                "cipher": cipher,
                "created_at": created_at,
                "updated_at": updated_at,
                "validated_at": validated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        provider_id = d.pop("provider_id")

        status = d.pop("status")

        hint = d.pop("hint")

        def _parse_account(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        account = _parse_account(d.pop("account"))

        cipher = d.pop("cipher")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        validated_at = datetime.datetime.fromisoformat(d.pop("validated_at"))

        credentials_out = cls(
            provider_id=provider_id,
            status=status,
            hint=hint,
            account=account,
            cipher=cipher,
            created_at=created_at,
            updated_at=updated_at,
            validated_at=validated_at,
        )

        credentials_out.additional_properties = d
        return credentials_out

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
