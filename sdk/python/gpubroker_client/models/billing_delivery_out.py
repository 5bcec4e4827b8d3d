from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="BillingDeliveryOut")


@_attrs_define
class BillingDeliveryOut:
    """
    Attributes:
        recipient (str):
        status (str):
        transport (str):
        message_id (str):
        detail (None | str):
        attempted_at (datetime.datetime):
    """

    recipient: str
    status: str
    transport: str
    message_id: str
    detail: None | str
    attempted_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        recipient = self.recipient

        status = self.status

        transport = self.transport

        message_id = self.message_id

        detail: None | str
        detail = self.detail

        attempted_at = self.attempted_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "recipient": recipient,
                "status": status,
                "transport": transport,
                "message_id": message_id,
                "detail": detail,
                "attempted_at": attempted_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        recipient = d.pop("recipient")

        status = d.pop("status")

        transport = d.pop("transport")

        message_id = d.pop("message_id")

        def _parse_detail(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        detail = _parse_detail(d.pop("detail"))

        attempted_at = datetime.datetime.fromisoformat(d.pop("attempted_at"))

        billing_delivery_out = cls(
            recipient=recipient,
            status=status,
            transport=transport,
            message_id=message_id,
            detail=detail,
            attempted_at=attempted_at,
        )

        billing_delivery_out.additional_properties = d
        return billing_delivery_out

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
