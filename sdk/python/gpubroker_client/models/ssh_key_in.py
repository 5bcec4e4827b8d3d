from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="SshKeyIn")


@_attrs_define
class SshKeyIn:
    """
    Attributes:
        public_key (str): an OpenSSH public key (.pub)
        name (None | str | Unset): a label; default: the key's comment
    """

    public_key: str
    name: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        public_key = self.public_key

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "public_key": public_key,
            }
        )
        if name is not UNSET:
            field_dict["name"] = name

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        public_key = d.pop("public_key")

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        ssh_key_in = cls(
            public_key=public_key,
            name=name,
        )

        return ssh_key_in
