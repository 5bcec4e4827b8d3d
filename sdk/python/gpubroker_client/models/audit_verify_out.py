from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.audit_verify_out_first_broken_type_0 import AuditVerifyOutFirstBrokenType0


T = TypeVar("T", bound="AuditVerifyOut")


@_attrs_define
class AuditVerifyOut:
    """
    Attributes:
        chain_id (str):
        ok (bool):
        entries_checked (int):
        head_seq (int):
        first_broken (AuditVerifyOutFirstBrokenType0 | None):
    """

    chain_id: str
    ok: bool
    entries_checked: int
    head_seq: int
    first_broken: AuditVerifyOutFirstBrokenType0 | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.audit_verify_out_first_broken_type_0 import AuditVerifyOutFirstBrokenType0  # noqa: PLC0415

        chain_id = self.chain_id

        ok = self.ok

        entries_checked = self.entries_checked

        head_seq = self.head_seq

        first_broken: dict[str, Any] | None
        if isinstance(self.first_broken, AuditVerifyOutFirstBrokenType0):
            first_broken = self.first_broken.to_dict()
        else:
            first_broken = self.first_broken

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "chain_id": chain_id,
                "ok": ok,
                "entries_checked": entries_checked,
                "head_seq": head_seq,
                "first_broken": first_broken,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.audit_verify_out_first_broken_type_0 import AuditVerifyOutFirstBrokenType0  # noqa: PLC0415

        d = dict(src_dict)
        chain_id = d.pop("chain_id")

        ok = d.pop("ok")

        entries_checked = d.pop("entries_checked")

        head_seq = d.pop("head_seq")

        def _parse_first_broken(data: object) -> AuditVerifyOutFirstBrokenType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                first_broken_type_0 = AuditVerifyOutFirstBrokenType0.from_dict(data)

                return first_broken_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AuditVerifyOutFirstBrokenType0 | None, data)

        first_broken = _parse_first_broken(d.pop("first_broken"))

        audit_verify_out = cls(
            chain_id=chain_id,
            ok=ok,
            entries_checked=entries_checked,
            head_seq=head_seq,
            first_broken=first_broken,
        )

        audit_verify_out.additional_properties = d
        return audit_verify_out

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
