from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="BookingCreate")


@_attrs_define
class BookingCreate:
    """
    Attributes:
        offer_id (str): an offer id from GET /providers
        hours (float): how long to book, in hours (at most 90 days)
        idempotency_key (None | str | Unset): the same key returns the same booking instead of a second one
        ssh_key_id (None | str | Unset): the SSH key (GET /ssh-keys) the instance lets in; default: your first key
    """

    offer_id: str
    hours: float
    idempotency_key: None | str | Unset = UNSET
    ssh_key_id: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        offer_id = self.offer_id

        hours = self.hours

        idempotency_key: None | str | Unset
        if isinstance(self.idempotency_key, Unset):
            idempotency_key = UNSET
        else:
            idempotency_key = self.idempotency_key

        ssh_key_id: None | str | Unset
        if isinstance(self.ssh_key_id, Unset):
            ssh_key_id = UNSET
        else:
            ssh_key_id = self.ssh_key_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "offer_id": offer_id,
                "hours": hours,
            }
        )
        if idempotency_key is not UNSET:
            field_dict["idempotency_key"] = idempotency_key
        if ssh_key_id is not UNSET:
            field_dict["ssh_key_id"] = ssh_key_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        offer_id = d.pop("offer_id")

        hours = d.pop("hours")

        def _parse_idempotency_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        idempotency_key = _parse_idempotency_key(d.pop("idempotency_key", UNSET))

        def _parse_ssh_key_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        ssh_key_id = _parse_ssh_key_id(d.pop("ssh_key_id", UNSET))

        booking_create = cls(
            offer_id=offer_id,
            hours=hours,
            idempotency_key=idempotency_key,
            ssh_key_id=ssh_key_id,
        )

        return booking_create
