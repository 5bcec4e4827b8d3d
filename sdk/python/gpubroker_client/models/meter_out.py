from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="MeterOut")


@_attrs_define
class MeterOut:
    """
    Attributes:
        until (datetime.datetime):
        bookings (int):
        written (int):
        updated (int):
        unchanged (int):
    """

    until: datetime.datetime
    bookings: int
    written: int
    updated: int
    unchanged: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        until = self.until.isoformat()

        bookings = self.bookings

        written = self.written

        updated = self.updated

        unchanged = self.unchanged

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "until": until,
                "bookings": bookings,
                "written": written,
                "updated": updated,
                "unchanged": unchanged,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        until = datetime.datetime.fromisoformat(d.pop("until"))

        bookings = d.pop("bookings")

        written = d.pop("written")

        updated = d.pop("updated")

        unchanged = d.pop("unchanged")

        meter_out = cls(
            until=until,
            bookings=bookings,
            written=written,
            updated=updated,
            unchanged=unchanged,
        )

        meter_out.additional_properties = d
        return meter_out

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
