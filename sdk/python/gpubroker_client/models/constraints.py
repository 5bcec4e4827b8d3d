from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="Constraints")


@_attrs_define
class Constraints:
    """
    Attributes:
        gpu_type (None | str | Unset):
        region (None | str | Unset):
        budget_per_hour (float | None | Unset):
        hours (float | None | Unset):
    """

    gpu_type: None | str | Unset = UNSET
    region: None | str | Unset = UNSET
    budget_per_hour: float | None | Unset = UNSET
    hours: float | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        gpu_type: None | str | Unset
        if isinstance(self.gpu_type, Unset):
            gpu_type = UNSET
        else:
            gpu_type = self.gpu_type

        region: None | str | Unset
        if isinstance(self.region, Unset):
            region = UNSET
        else:
            region = self.region

        budget_per_hour: float | None | Unset
        if isinstance(self.budget_per_hour, Unset):
            budget_per_hour = UNSET
        else:
            budget_per_hour = self.budget_per_hour

        hours: float | None | Unset
        if isinstance(self.hours, Unset):
            hours = UNSET
        else:
            hours = self.hours

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if gpu_type is not UNSET:
            field_dict["gpu_type"] = gpu_type
        if region is not UNSET:
            field_dict["region"] = region
        if budget_per_hour is not UNSET:
            field_dict["budget_per_hour"] = budget_per_hour
        if hours is not UNSET:
            field_dict["hours"] = hours

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_gpu_type(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        gpu_type = _parse_gpu_type(d.pop("gpu_type", UNSET))

        def _parse_region(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        region = _parse_region(d.pop("region", UNSET))

        def _parse_budget_per_hour(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        budget_per_hour = _parse_budget_per_hour(d.pop("budget_per_hour", UNSET))

        def _parse_hours(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        hours = _parse_hours(d.pop("hours", UNSET))

        constraints = cls(
            gpu_type=gpu_type,
            region=region,
            budget_per_hour=budget_per_hour,
            hours=hours,
        )

        return constraints
