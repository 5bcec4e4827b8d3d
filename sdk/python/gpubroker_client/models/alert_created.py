from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.alert_created_filters import AlertCreatedFilters


T = TypeVar("T", bound="AlertCreated")


@_attrs_define
class AlertCreated:
    """
    Attributes:
        id (str):
        name (str):
        filters (AlertCreatedFilters):
        threshold (float):
        per (str):
        channels (list[str]):
        email (None | str):
        webhook_url (None | str):
        active (bool):
        created_at (datetime.datetime):
        currently_under (int): matching offers already at or below the threshold (no notice)
        webhook_secret (None | str | Unset): signs each webhook (HMAC-SHA256); shown once, here
    """

    id: str
    name: str
    filters: AlertCreatedFilters
    threshold: float
    per: str
    channels: list[str]
    email: None | str
    webhook_url: None | str
    active: bool
    created_at: datetime.datetime
    currently_under: int
    webhook_secret: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        name = self.name

        filters = self.filters.to_dict()

        threshold = self.threshold

        per = self.per

        channels = self.channels

        email: None | str
        email = self.email

        webhook_url: None | str
        webhook_url = self.webhook_url

        active = self.active

        created_at = self.created_at.isoformat()

        currently_under = self.currently_under

        webhook_secret: None | str | Unset
        if isinstance(self.webhook_secret, Unset):
            webhook_secret = UNSET
        else:
            webhook_secret = self.webhook_secret

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
                "filters": filters,
                "threshold": threshold,
                "per": per,
                "channels": channels,
                "email": email,
                "webhook_url": webhook_url,
                "active": active,
                "created_at": created_at,
                "currently_under": currently_under,
            }
        )
        if webhook_secret is not UNSET:
            field_dict["webhook_secret"] = webhook_secret

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.alert_created_filters import AlertCreatedFilters  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        name = d.pop("name")

        filters = AlertCreatedFilters.from_dict(d.pop("filters"))

        threshold = d.pop("threshold")

        per = d.pop("per")

        channels = cast(list[str], d.pop("channels"))

        def _parse_email(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        email = _parse_email(d.pop("email"))

        def _parse_webhook_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        webhook_url = _parse_webhook_url(d.pop("webhook_url"))

        active = d.pop("active")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        currently_under = d.pop("currently_under")

        def _parse_webhook_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        webhook_secret = _parse_webhook_secret(d.pop("webhook_secret", UNSET))

        alert_created = cls(
            id=id,
            name=name,
            filters=filters,
            threshold=threshold,
            per=per,
            channels=channels,
            email=email,
            webhook_url=webhook_url,
            active=active,
            created_at=created_at,
            currently_under=currently_under,
            webhook_secret=webhook_secret,
        )

        alert_created.additional_properties = d
        return alert_created

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
