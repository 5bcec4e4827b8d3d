from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.forecast_series_item import ForecastSeriesItem
    from ..models.forecast_trend_type_0 import ForecastTrendType0


T = TypeVar("T", bound="Forecast")


@_attrs_define
class Forecast:
    """
    Attributes:
        hourly (float):
        daily (float):
        total (float):
        hours (float):
        ci_low (float):
        ci_high (float):
        model (str):
        basis (str):
        currency (str | Unset):  Default: 'USD'.
        series (list[ForecastSeriesItem] | Unset):
        trend (ForecastTrendType0 | None | Unset):
        history_end (None | str | Unset):
        warnings (list[str] | Unset):
        offer_id (None | str | Unset):
    """

    hourly: float
    daily: float
    total: float
    hours: float
    ci_low: float
    ci_high: float
    model: str
    basis: str
    currency: str | Unset = "USD"
    series: list[ForecastSeriesItem] | Unset = UNSET
    trend: ForecastTrendType0 | None | Unset = UNSET
    history_end: None | str | Unset = UNSET
    warnings: list[str] | Unset = UNSET
    offer_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.forecast_trend_type_0 import ForecastTrendType0  # noqa: PLC0415

        hourly = self.hourly

        daily = self.daily

        total = self.total

        hours = self.hours

        ci_low = self.ci_low

        ci_high = self.ci_high

        model = self.model

        basis = self.basis

        currency = self.currency

        series: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.series, Unset):
            series = []
            for series_item_data in self.series:
                series_item = series_item_data.to_dict()
                series.append(series_item)

        trend: dict[str, Any] | None | Unset
        if isinstance(self.trend, Unset):
            trend = UNSET
        elif isinstance(self.trend, ForecastTrendType0):
            trend = self.trend.to_dict()
        else:
            trend = self.trend

        history_end: None | str | Unset
        if isinstance(self.history_end, Unset):
            history_end = UNSET
        else:
            history_end = self.history_end

        warnings: list[str] | Unset = UNSET
        if not isinstance(self.warnings, Unset):
            warnings = self.warnings

        offer_id: None | str | Unset
        if isinstance(self.offer_id, Unset):
            offer_id = UNSET
        else:
            offer_id = self.offer_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "hourly": hourly,
                "daily": daily,
                "total": total,
                "hours": hours,
                "ci_low": ci_low,
                "ci_high": ci_high,
                "model": model,
                "basis": basis,
            }
        )
        if currency is not UNSET:
            field_dict["currency"] = currency
        if series is not UNSET:
            field_dict["series"] = series
        if trend is not UNSET:
            field_dict["trend"] = trend
        if history_end is not UNSET:
            field_dict["history_end"] = history_end
        if warnings is not UNSET:
            field_dict["warnings"] = warnings
        if offer_id is not UNSET:
            field_dict["offer_id"] = offer_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.forecast_series_item import ForecastSeriesItem  # noqa: PLC0415
        from ..models.forecast_trend_type_0 import ForecastTrendType0  # noqa: PLC0415

        d = dict(src_dict)
        hourly = d.pop("hourly")

        daily = d.pop("daily")

        total = d.pop("total")

        hours = d.pop("hours")

        ci_low = d.pop("ci_low")

        ci_high = d.pop("ci_high")

        model = d.pop("model")

        basis = d.pop("basis")

        currency = d.pop("currency", UNSET)

        _series = d.pop("series", UNSET)
        series: list[ForecastSeriesItem] | Unset = UNSET
        if _series is not UNSET:
            series = []
            for series_item_data in _series:
                series_item = ForecastSeriesItem.from_dict(series_item_data)

                series.append(series_item)

        def _parse_trend(data: object) -> ForecastTrendType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                trend_type_0 = ForecastTrendType0.from_dict(data)

                return trend_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ForecastTrendType0 | None | Unset, data)

        trend = _parse_trend(d.pop("trend", UNSET))

        def _parse_history_end(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        history_end = _parse_history_end(d.pop("history_end", UNSET))

        warnings = cast(list[str], d.pop("warnings", UNSET))

        def _parse_offer_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        offer_id = _parse_offer_id(d.pop("offer_id", UNSET))

        forecast = cls(
            hourly=hourly,
            daily=daily,
            total=total,
            hours=hours,
            ci_low=ci_low,
            ci_high=ci_high,
            model=model,
            basis=basis,
            currency=currency,
            series=series,
            trend=trend,
            history_end=history_end,
            warnings=warnings,
            offer_id=offer_id,
        )

        forecast.additional_properties = d
        return forecast

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
