from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="RunCommand")


@_attrs_define
class RunCommand:
    """LangGraph's ``command``: only ``resume`` (the answer to an interrupt) is supported.

    Attributes:
        resume (Any | Unset):
        update (Any | Unset):
        goto (Any | Unset):
    """

    resume: Any | Unset = UNSET
    update: Any | Unset = UNSET
    goto: Any | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        resume = self.resume

        update = self.update

        goto = self.goto

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if resume is not UNSET:
            field_dict["resume"] = resume
        if update is not UNSET:
            field_dict["update"] = update
        if goto is not UNSET:
            field_dict["goto"] = goto

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        resume = d.pop("resume", UNSET)

        update = d.pop("update", UNSET)

        goto = d.pop("goto", UNSET)

        run_command = cls(
            resume=resume,
            update=update,
            goto=goto,
        )

        run_command.additional_properties = d
        return run_command

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
