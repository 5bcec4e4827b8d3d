from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.history_point import HistoryPoint
    from ..models.market_point import MarketPoint


T = TypeVar("T", bound="OfferHistory")


@_attrs_define
class OfferHistory:
    """
    Attributes:
        offer_id (str):
        points (list[HistoryPoint]):
        market (list[MarketPoint]):
        market_label (None | str):
    """

    offer_id: str
    points: list[HistoryPoint]
    market: list[MarketPoint]
    market_label: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        offer_id = self.offer_id

        points = []
        for points_item_data in self.points:
            points_item = points_item_data.to_dict()
            points.append(points_item)

        market = []
        for market_item_data in self.market:
            market_item = market_item_data.to_dict()
            market.append(market_item)

        market_label: None | str
        market_label = self.market_label

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "offer_id": offer_id,
                "points": points,
                "market": market,
                "market_label": market_label,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.history_point import HistoryPoint  # noqa: PLC0415
        from ..models.market_point import MarketPoint  # noqa: PLC0415

        d = dict(src_dict)
        offer_id = d.pop("offer_id")

        points = []
        _points = d.pop("points")
        for points_item_data in _points:
            points_item = HistoryPoint.from_dict(points_item_data)

            points.append(points_item)

        market = []
        _market = d.pop("market")
        for market_item_data in _market:
            market_item = MarketPoint.from_dict(market_item_data)

            market.append(market_item)

        def _parse_market_label(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        market_label = _parse_market_label(d.pop("market_label"))

        offer_history = cls(
            offer_id=offer_id,
            points=points,
            market=market,
            market_label=market_label,
        )

        offer_history.additional_properties = d
        return offer_history

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
