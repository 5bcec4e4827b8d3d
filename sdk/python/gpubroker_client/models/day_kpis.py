from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="DayKpis")


@_attrs_define
class DayKpis:
    """One UTC day: bookings by the event that happened to them that day, and the metered usage.

    Attributes:
        day (datetime.date):
        created (int | Unset):  Default: 0.
        submitted (int | Unset):  Default: 0.
        activated (int | Unset):  Default: 0.
        completed (int | Unset):  Default: 0.
        failed (int | Unset):  Default: 0.
        cancelled (int | Unset):  Default: 0.
        gpu_hours (str | Unset):  Default: '0.000000'.
        revenue_usd (str | Unset):  Default: '0.00'.
    """

    day: datetime.date
    created: int | Unset = 0
    submitted: int | Unset = 0
    activated: int | Unset = 0
    completed: int | Unset = 0
    failed: int | Unset = 0
    cancelled: int | Unset = 0
    gpu_hours: str | Unset = "0.000000"
    revenue_usd: str | Unset = "0.00"
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        day = self.day.isoformat()

        created = self.created

        submitted = self.submitted

        activated = self.activated

        completed = self.completed

        failed = self.failed

        cancelled = self.cancelled

        gpu_hours = self.gpu_hours

        revenue_usd = self.revenue_usd

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "day": day,
            }
        )
        if created is not UNSET:
            field_dict["created"] = created
        if submitted is not UNSET:
            field_dict["submitted"] = submitted
        if activated is not UNSET:
            field_dict["activated"] = activated
        if completed is not UNSET:
            field_dict["completed"] = completed
        if failed is not UNSET:
            field_dict["failed"] = failed
        if cancelled is not UNSET:
            field_dict["cancelled"] = cancelled
        if gpu_hours is not UNSET:
            field_dict["gpu_hours"] = gpu_hours
        if revenue_usd is not UNSET:
            field_dict["revenue_usd"] = revenue_usd

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        day = datetime.date.fromisoformat(d.pop("day"))

        created = d.pop("created", UNSET)

        submitted = d.pop("submitted", UNSET)

        activated = d.pop("activated", UNSET)

        completed = d.pop("completed", UNSET)

        failed = d.pop("failed", UNSET)

        cancelled = d.pop("cancelled", UNSET)

        gpu_hours = d.pop("gpu_hours", UNSET)

        revenue_usd = d.pop("revenue_usd", UNSET)

        day_kpis = cls(
            day=day,
            created=created,
            submitted=submitted,
            activated=activated,
            completed=completed,
            failed=failed,
            cancelled=cancelled,
            gpu_hours=gpu_hours,
            revenue_usd=revenue_usd,
        )

        day_kpis.additional_properties = d
        return day_kpis

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
