from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.erasure_out_removed import ErasureOutRemoved


T = TypeVar("T", bound="ErasureOut")


@_attrs_define
class ErasureOut:
    """
    Attributes:
        erased (bool):
        user_id (str):
        audit_entries_anonymised (int):
        removed (ErasureOutRemoved):
    """

    erased: bool
    user_id: str
    audit_entries_anonymised: int
    removed: ErasureOutRemoved
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        erased = self.erased

        user_id = self.user_id

        audit_entries_anonymised = self.audit_entries_anonymised

        removed = self.removed.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "erased": erased,
                "user_id": user_id,
                "audit_entries_anonymised": audit_entries_anonymised,
                "removed": removed,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.erasure_out_removed import ErasureOutRemoved  # noqa: PLC0415

        d = dict(src_dict)
        erased = d.pop("erased")

        user_id = d.pop("user_id")

        audit_entries_anonymised = d.pop("audit_entries_anonymised")

        removed = ErasureOutRemoved.from_dict(d.pop("removed"))

        erasure_out = cls(
            erased=erased,
            user_id=user_id,
            audit_entries_anonymised=audit_entries_anonymised,
            removed=removed,
        )

        erasure_out.additional_properties = d
        return erasure_out

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
