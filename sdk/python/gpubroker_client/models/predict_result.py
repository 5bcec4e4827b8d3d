from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.forecast_day import ForecastDay
    from ..models.market_index_out import MarketIndexOut
    from ..models.trend import Trend


T = TypeVar("T", bound="PredictResult")


@_attrs_define
class PredictResult:
    """
    Attributes:
        currency (str):
        gpu_family (str):
        gpu_variant (None | str):
        count (int):
        hours (float):
        hourly (float):
        daily (float):
        total (float):
        ci_low (float):
        ci_high (float):
        horizon_days (int):
        model (str):
        backtest_mape (float | None):
        basis (str):
        current_offers (int):
        series (list[ForecastDay]):
        warnings (list[str]):
        trend (None | Trend | Unset):
        history_end (None | str | Unset): the day the price history behind the forecast ends
        market_history_end (None | str | Unset): the day the market index's history ends
        offer_id (None | str | Unset):
        market_index (MarketIndexOut | None | Unset):
    """

    currency: str
    gpu_family: str
    gpu_variant: None | str
    count: int
    hours: float
    hourly: float
    daily: float
    total: float
    ci_low: float
    ci_high: float
    horizon_days: int
    model: str
    backtest_mape: float | None
    basis: str
    current_offers: int
    series: list[ForecastDay]
    warnings: list[str]
    trend: None | Trend | Unset = UNSET
    history_end: None | str | Unset = UNSET
    market_history_end: None | str | Unset = UNSET
    offer_id: None | str | Unset = UNSET
    market_index: MarketIndexOut | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.market_index_out import MarketIndexOut  # noqa: PLC0415
        from ..models.trend import Trend  # noqa: PLC0415

        currency = self.currency

        gpu_family = self.gpu_family

        gpu_variant: None | str
        gpu_variant = self.gpu_variant

        count = self.count

        hours = self.hours

        hourly = self.hourly

        daily = self.daily

        total = self.total

        ci_low = self.ci_low

        ci_high = self.ci_high

        horizon_days = self.horizon_days

        model = self.model

        backtest_mape: float | None
        backtest_mape = self.backtest_mape

        basis = self.basis

        current_offers = self.current_offers

        series = []
        for series_item_data in self.series:
            series_item = series_item_data.to_dict()
            series.append(series_item)

        warnings = self.warnings

        trend: dict[str, Any] | None | Unset
        if isinstance(self.trend, Unset):
            trend = UNSET
        elif isinstance(self.trend, Trend):
            trend = self.trend.to_dict()
        else:
            trend = self.trend

        history_end: None | str | Unset
        if isinstance(self.history_end, Unset):
            history_end = UNSET
        else:
            history_end = self.history_end

        market_history_end: None | str | Unset
        if isinstance(self.market_history_end, Unset):
            market_history_end = UNSET
        else:
            market_history_end = self.market_history_end

        offer_id: None | str | Unset
        if isinstance(self.offer_id, Unset):
            offer_id = UNSET
        else:
            offer_id = self.offer_id

        market_index: dict[str, Any] | None | Unset
        if isinstance(self.market_index, Unset):
            market_index = UNSET
        elif isinstance(self.market_index, MarketIndexOut):
            market_index = self.market_index.to_dict()
        else:
            market_index = self.market_index

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "currency": currency,
                "gpu_family": gpu_family,
                "gpu_variant": gpu_variant,
                "count": count,
                "hours": hours,
                "hourly": hourly,
                "daily": daily,
                "total": total,
                "ci_low": ci_low,
                "ci_high": ci_high,
                "horizon_days": horizon_days,
                "model": model,
                "backtest_mape": backtest_mape,
                "basis": basis,
                "current_offers": current_offers,
                "series": series,
                "warnings": warnings,
            }
        )
        if trend is not UNSET:
            field_dict["trend"] = trend
        if history_end is not UNSET:
            field_dict["history_end"] = history_end
        if market_history_end is not UNSET:
            field_dict["market_history_end"] = market_history_end
        if offer_id is not UNSET:
            field_dict["offer_id"] = offer_id
        if market_index is not UNSET:
            field_dict["market_index"] = market_index

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.forecast_day import ForecastDay  # noqa: PLC0415
        from ..models.market_index_out import MarketIndexOut  # noqa: PLC0415
        from ..models.trend import Trend  # noqa: PLC0415

        d = dict(src_dict)
        currency = d.pop("currency")

        gpu_family = d.pop("gpu_family")

        def _parse_gpu_variant(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        gpu_variant = _parse_gpu_variant(d.pop("gpu_variant"))

        count = d.pop("count")

        hours = d.pop("hours")

        hourly = d.pop("hourly")

        daily = d.pop("daily")

        total = d.pop("total")

        ci_low = d.pop("ci_low")

        ci_high = d.pop("ci_high")

        horizon_days = d.pop("horizon_days")

        model = d.pop("model")

        def _parse_backtest_mape(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        backtest_mape = _parse_backtest_mape(d.pop("backtest_mape"))

        basis = d.pop("basis")

        current_offers = d.pop("current_offers")

        series = []
        _series = d.pop("series")
        for series_item_data in _series:
            series_item = ForecastDay.from_dict(series_item_data)

            series.append(series_item)

        warnings = cast(list[str], d.pop("warnings"))

        def _parse_trend(data: object) -> None | Trend | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                trend_type_0 = Trend.from_dict(data)

                return trend_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Trend | Unset, data)

        trend = _parse_trend(d.pop("trend", UNSET))

        def _parse_history_end(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        history_end = _parse_history_end(d.pop("history_end", UNSET))

        def _parse_market_history_end(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        market_history_end = _parse_market_history_end(d.pop("market_history_end", UNSET))

        def _parse_offer_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        offer_id = _parse_offer_id(d.pop("offer_id", UNSET))

        def _parse_market_index(data: object) -> MarketIndexOut | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                market_index_type_0 = MarketIndexOut.from_dict(data)

                return market_index_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(MarketIndexOut | None | Unset, data)

        market_index = _parse_market_index(d.pop("market_index", UNSET))

        predict_result = cls(
            currency=currency,
            gpu_family=gpu_family,
            gpu_variant=gpu_variant,
            count=count,
            hours=hours,
            hourly=hourly,
            daily=daily,
            total=total,
            ci_low=ci_low,
            ci_high=ci_high,
            horizon_days=horizon_days,
            model=model,
            backtest_mape=backtest_mape,
            basis=basis,
            current_offers=current_offers,
            series=series,
            warnings=warnings,
            trend=trend,
            history_end=history_end,
            market_history_end=market_history_end,
            offer_id=offer_id,
            market_index=market_index,
        )

        predict_result.additional_properties = d
        return predict_result

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
