from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.alert_create_channels_item import AlertCreateChannelsItem
from ..models.alert_create_per import AlertCreatePer
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.alert_create_filters import AlertCreateFilters


T = TypeVar("T", bound="AlertCreate")


@_attrs_define
class AlertCreate:
    """A saved search and a threshold: "8x H100 in the EU at or below $16/h" is ``{"filters":
    {"gpu_type": "H100", "gpu_count_exact": 8, "geo": "eu"}, "threshold": 16, "per": "hour"}``; "any H100
    at or below $2/GPU-h" is ``{"filters": {"gpu_type": "H100"}, "threshold": 2, "per": "gpu_hour"}``.

        Attributes:
            threshold (float | str): notify when a matching offer is at or below it
            name (None | str | Unset):
            filters (AlertCreateFilters | Unset): the filters of GET /providers
            per (AlertCreatePer | Unset):  Default: AlertCreatePer.HOUR.
            channels (list[AlertCreateChannelsItem] | Unset):
            email (None | str | Unset): default: your account's email
            webhook_url (None | str | Unset):
    """

    threshold: float | str
    name: None | str | Unset = UNSET
    filters: AlertCreateFilters | Unset = UNSET
    per: AlertCreatePer | Unset = AlertCreatePer.HOUR
    channels: list[AlertCreateChannelsItem] | Unset = UNSET
    email: None | str | Unset = UNSET
    webhook_url: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        threshold: float | str
        threshold = self.threshold

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        filters: dict[str, Any] | Unset = UNSET
        if not isinstance(self.filters, Unset):
            filters = self.filters.to_dict()

        per: str | Unset = UNSET
        if not isinstance(self.per, Unset):
            per = self.per.value

        channels: list[str] | Unset = UNSET
        if not isinstance(self.channels, Unset):
            channels = []
            for channels_item_data in self.channels:
                channels_item = channels_item_data.value
                channels.append(channels_item)

        email: None | str | Unset
        if isinstance(self.email, Unset):
            email = UNSET
        else:
            email = self.email

        webhook_url: None | str | Unset
        if isinstance(self.webhook_url, Unset):
            webhook_url = UNSET
        else:
            webhook_url = self.webhook_url

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "threshold": threshold,
            }
        )
        if name is not UNSET:
            field_dict["name"] = name
        if filters is not UNSET:
            field_dict["filters"] = filters
        if per is not UNSET:
            field_dict["per"] = per
        if channels is not UNSET:
            field_dict["channels"] = channels
        if email is not UNSET:
            field_dict["email"] = email
        if webhook_url is not UNSET:
            field_dict["webhook_url"] = webhook_url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.alert_create_filters import AlertCreateFilters  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_threshold(data: object) -> float | str:
            return cast(float | str, data)

        threshold = _parse_threshold(d.pop("threshold"))

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        _filters = d.pop("filters", UNSET)
        filters: AlertCreateFilters | Unset
        if isinstance(_filters, Unset):
            filters = UNSET
        else:
            filters = AlertCreateFilters.from_dict(_filters)

        _per = d.pop("per", UNSET)
        per: AlertCreatePer | Unset
        if isinstance(_per, Unset):
            per = UNSET
        else:
            per = AlertCreatePer(_per)

        _channels = d.pop("channels", UNSET)
        channels: list[AlertCreateChannelsItem] | Unset = UNSET
        if _channels is not UNSET:
            channels = []
            for channels_item_data in _channels:
                channels_item = AlertCreateChannelsItem(channels_item_data)

                channels.append(channels_item)

        def _parse_email(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        email = _parse_email(d.pop("email", UNSET))

        def _parse_webhook_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        webhook_url = _parse_webhook_url(d.pop("webhook_url", UNSET))

        alert_create = cls(
            threshold=threshold,
            name=name,
            filters=filters,
            per=per,
            channels=channels,
            email=email,
            webhook_url=webhook_url,
        )

        return alert_create
