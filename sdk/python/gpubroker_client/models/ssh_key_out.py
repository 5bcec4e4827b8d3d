from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="SshKeyOut")


@_attrs_define
class SshKeyOut:
    """
    Attributes:
        id (str):
        name (str):
        public_key (str):
        fingerprint (str):
        created_at (datetime.datetime):
        default (bool | Unset):  Default: False.
    """

    id: str
    name: str
    public_key: str
    fingerprint: str
    created_at: datetime.datetime
    default: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        name = self.name

        public_key = self.public_key

        fingerprint = self.fingerprint

        created_at = self.created_at.isoformat()

        default = self.default

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
                "public_key": public_key,
                "fingerprint": fingerprint,
                "created_at": created_at,
            }
        )
        if default is not UNSET:
            field_dict["default"] = default

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        name = d.pop("name")

        public_key = d.pop("public_key")

        fingerprint = d.pop("fingerprint")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        default = d.pop("default", UNSET)

        ssh_key_out = cls(
            id=id,
            name=name,
            public_key=public_key,
            fingerprint=fingerprint,
            created_at=created_at,
            default=default,
        )

        ssh_key_out.additional_properties = d
        return ssh_key_out

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
