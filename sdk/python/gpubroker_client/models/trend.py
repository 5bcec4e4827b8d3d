from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.trend_direction import TrendDirection
from ..types import UNSET, Unset

T = TypeVar("T", bound="Trend")


@_attrs_define
class Trend:
    """Where the market index is forecast to go over the horizon (in % of its last value).

    Attributes:
        direction (TrendDirection):
        change_pct_30d (float):
        low80_pct (float):
        high80_pct (float):
        history_end (str):
        days (int):
        past_change_pct_30d (float | None | Unset): the index's move in the 30 days to history_end
    """

    direction: TrendDirection
    change_pct_30d: float
    low80_pct: float
    high80_pct: float
    history_end: str
    days: int
    past_change_pct_30d: float | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        direction = self.direction.value

        change_pct_30d = self.change_pct_30d

        low80_pct = self.low80_pct

        high80_pct = self.high80_pct

        history_end = self.history_end

        days = self.days

        past_change_pct_30d: float | None | Unset
        if isinstance(self.past_change_pct_30d, Unset):
            past_change_pct_30d = UNSET
        else:
            past_change_pct_30d = self.past_change_pct_30d

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "direction": direction,
                "change_pct_30d": change_pct_30d,
                "low80_pct": low80_pct,
                "high80_pct": high80_pct,
                "history_end": history_end,
                "days": days,
            }
        )
        if past_change_pct_30d is not UNSET:
            field_dict["past_change_pct_30d"] = past_change_pct_30d

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        direction = TrendDirection(d.pop("direction"))

        change_pct_30d = d.pop("change_pct_30d")

        low80_pct = d.pop("low80_pct")

        high80_pct = d.pop("high80_pct")

        history_end = d.pop("history_end")

        days = d.pop("days")

        def _parse_past_change_pct_30d(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        past_change_pct_30d = _parse_past_change_pct_30d(d.pop("past_change_pct_30d", UNSET))

        trend = cls(
            direction=direction,
            change_pct_30d=change_pct_30d,
            low80_pct=low80_pct,
            high80_pct=high80_pct,
            history_end=history_end,
            days=days,
            past_change_pct_30d=past_change_pct_30d,
        )

        trend.additional_properties = d
        return trend

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
