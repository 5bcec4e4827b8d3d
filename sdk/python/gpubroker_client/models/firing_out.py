from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.firing_out_offer import FiringOutOffer


T = TypeVar("T", bound="FiringOut")


@_attrs_define
class FiringOut:
    """
    Attributes:
        id (str):
        alert_id (str):
        offer_id (str):
        price (float):
        price_per_hour (float):
        threshold (float):
        per (str):
        offer (FiringOutOffer):
        price_as_of (datetime.datetime | None):
        fired_at (datetime.datetime):
        read_at (datetime.datetime | None):
    """

    id: str
    alert_id: str
    offer_id: str
    price: float
    price_per_hour: float
    threshold: float
    per: str
    offer: FiringOutOffer
    price_as_of: datetime.datetime | None
    fired_at: datetime.datetime
    read_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        alert_id = self.alert_id

        offer_id = self.offer_id

        price = self.price

        price_per_hour = self.price_per_hour

        threshold = self.threshold

        per = self.per

        offer = self.offer.to_dict()

        price_as_of: None | str
        if isinstance(self.price_as_of, datetime.datetime):
            price_as_of = self.price_as_of.isoformat()
        else:
            price_as_of = self.price_as_of

        fired_at = self.fired_at.isoformat()

        read_at: None | str
        if isinstance(self.read_at, datetime.datetime):
            read_at = self.read_at.isoformat()
        else:
            read_at = self.read_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "alert_id": alert_id,
                "offer_id": offer_id,
                "price": price,
                "price_per_hour": price_per_hour,
                "threshold": threshold,
                "per": per,
                "offer": offer,
                "price_as_of": price_as_of,
                "fired_at": fired_at,
                "read_at": read_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.firing_out_offer import FiringOutOffer  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        alert_id = d.pop("alert_id")

        offer_id = d.pop("offer_id")

        price = d.pop("price")

        price_per_hour = d.pop("price_per_hour")

        threshold = d.pop("threshold")

        per = d.pop("per")

        offer = FiringOutOffer.from_dict(d.pop("offer"))

        def _parse_price_as_of(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                price_as_of_type_0 = datetime.datetime.fromisoformat(data)

                return price_as_of_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        price_as_of = _parse_price_as_of(d.pop("price_as_of"))

        fired_at = datetime.datetime.fromisoformat(d.pop("fired_at"))

        def _parse_read_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                read_at_type_0 = datetime.datetime.fromisoformat(data)

                return read_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        read_at = _parse_read_at(d.pop("read_at"))

        firing_out = cls(
            id=id,
            alert_id=alert_id,
            offer_id=offer_id,
            price=price,
            price_per_hour=price_per_hour,
            threshold=threshold,
            per=per,
            offer=offer,
            price_as_of=price_as_of,
            fired_at=fired_at,
            read_at=read_at,
        )

        firing_out.additional_properties = d
        return firing_out

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
