from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="FamilyPrice")


@_attrs_define
class FamilyPrice:
    """The median on-demand $/GPU-h of a GPU family's offers as of the end of a day, today and before.

    An offer's price as of a day is its latest price history row at or before that day's end; a family
    has a median on a day when at least one of its offers had been observed by then.

        Attributes:
            family (str):
            offers (int): on-demand offers with a price as of the day
            today (None | str):
            days_7 (None | str): the median as of 7 days before
            days_30 (None | str): the median as of 30 days before
            change_7d_pct (float | None):
            change_30d_pct (float | None):
    """

    family: str
    offers: int
    today: None | str
    days_7: None | str
    days_30: None | str
    change_7d_pct: float | None
    change_30d_pct: float | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        family = self.family

        offers = self.offers

        today: None | str
        today = self.today

        days_7: None | str
        days_7 = self.days_7

        days_30: None | str
        days_30 = self.days_30

        change_7d_pct: float | None
        change_7d_pct = self.change_7d_pct

        change_30d_pct: float | None
        change_30d_pct = self.change_30d_pct

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "family": family,
                "offers": offers,
                "today": today,
                "days_7": days_7,
                "days_30": days_30,
                "change_7d_pct": change_7d_pct,
                "change_30d_pct": change_30d_pct,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        family = d.pop("family")

        offers = d.pop("offers")

        def _parse_today(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        today = _parse_today(d.pop("today"))

        def _parse_days_7(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        days_7 = _parse_days_7(d.pop("days_7"))

        def _parse_days_30(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        days_30 = _parse_days_30(d.pop("days_30"))

        def _parse_change_7d_pct(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        change_7d_pct = _parse_change_7d_pct(d.pop("change_7d_pct"))

        def _parse_change_30d_pct(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        change_30d_pct = _parse_change_30d_pct(d.pop("change_30d_pct"))

        family_price = cls(
            family=family,
            offers=offers,
            today=today,
            days_7=days_7,
            days_30=days_30,
            change_7d_pct=change_7d_pct,
            change_30d_pct=change_30d_pct,
        )

        family_price.additional_properties = d
        return family_price

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
