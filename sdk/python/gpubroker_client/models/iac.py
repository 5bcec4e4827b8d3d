from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Iac")


@_attrs_define
class Iac:
    """
    Attributes:
        terraform (str):
        provider (str):
        template (str):
        notes (list[str] | Unset):
    """

    terraform: str
    provider: str
    template: str
    notes: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        terraform = self.terraform

        provider = self.provider

        template = self.template

        notes: list[str] | Unset = UNSET
        if not isinstance(self.notes, Unset):
            notes = self.notes

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "terraform": terraform,
                "provider": provider,
                "template": template,
            }
        )
        if notes is not UNSET:
            field_dict["notes"] = notes

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        terraform = d.pop("terraform")

        provider = d.pop("provider")

        template = d.pop("template")

        notes = cast(list[str], d.pop("notes", UNSET))

        iac = cls(
            terraform=terraform,
            provider=provider,
            template=template,
            notes=notes,
        )

        iac.additional_properties = d
        return iac

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
