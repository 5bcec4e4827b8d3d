from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.credentials_out import CredentialsOut


T = TypeVar("T", bound="ProviderAccountOut")


@_attrs_define
class ProviderAccountOut:
    """
    Attributes:
        provider_id (str):
        status (str): "stored" (the team's own), "broker" (the operator's account) or "missing"
        credentials (CredentialsOut | None):
    """

    provider_id: str
    status: str
    credentials: CredentialsOut | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.credentials_out import CredentialsOut  # noqa: PLC0415

        provider_id = self.provider_id

        status = self.status

        credentials: dict[str, Any] | None
        if isinstance(self.credentials, CredentialsOut):
            credentials = self.credentials.to_dict()
        else:
            credentials = self.credentials

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "provider_id": provider_id,
                "status": status,
                "credentials": credentials,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.credentials_out import CredentialsOut  # noqa: PLC0415

        d = dict(src_dict)
        provider_id = d.pop("provider_id")

        status = d.pop("status")

        def _parse_credentials(data: object) -> CredentialsOut | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                credentials_type_0 = CredentialsOut.from_dict(data)

                return credentials_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CredentialsOut | None, data)

        credentials = _parse_credentials(d.pop("credentials"))

        provider_account_out = cls(
            provider_id=provider_id,
            status=status,
            credentials=credentials,
        )

        provider_account_out.additional_properties = d
        return provider_account_out

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
