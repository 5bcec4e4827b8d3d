from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.forecast_day import ForecastDay
    from ..models.index_point import IndexPoint


T = TypeVar("T", bound="MarketIndexOut")


@_attrs_define
class MarketIndexOut:
    """The market's chained matched-panel index in $/GPU-h, rebased to the market's level on its last day.

    Attributes:
        label (str):
        model (None | str):
        history_end (None | str):
        history (list[IndexPoint]):
        forecast (list[ForecastDay]):
    """

    label: str
    model: None | str
    history_end: None | str
    history: list[IndexPoint]
    forecast: list[ForecastDay]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        label = self.label

        model: None | str
        model = self.model

        history_end: None | str
        history_end = self.history_end

        history = []
        for history_item_data in self.history:
            history_item = history_item_data.to_dict()
            history.append(history_item)

        forecast = []
        for forecast_item_data in self.forecast:
            forecast_item = forecast_item_data.to_dict()
            forecast.append(forecast_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "label": label,
                "model": model,
                "history_end": history_end,
                "history": history,
                "forecast": forecast,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.forecast_day import ForecastDay  # noqa: PLC0415
        from ..models.index_point import IndexPoint  # noqa: PLC0415

        d = dict(src_dict)
        label = d.pop("label")

        def _parse_model(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        model = _parse_model(d.pop("model"))

        def _parse_history_end(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        history_end = _parse_history_end(d.pop("history_end"))

        history = []
        _history = d.pop("history")
        for history_item_data in _history:
            history_item = IndexPoint.from_dict(history_item_data)

            history.append(history_item)

        forecast = []
        _forecast = d.pop("forecast")
        for forecast_item_data in _forecast:
            forecast_item = ForecastDay.from_dict(forecast_item_data)

            forecast.append(forecast_item)

        market_index_out = cls(
            label=label,
            model=model,
            history_end=history_end,
            history=history,
            forecast=forecast,
        )

        market_index_out.additional_properties = d
        return market_index_out

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
