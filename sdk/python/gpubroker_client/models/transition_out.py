from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.booking_state import BookingState

if TYPE_CHECKING:
    from ..models.transition_out_details import TransitionOutDetails


T = TypeVar("T", bound="TransitionOut")


@_attrs_define
class TransitionOut:
    """
    Attributes:
        from_state (BookingState):
        to_state (BookingState):
        source (str):
        event_id (None | str):
        at (datetime.datetime):
        details (TransitionOutDetails):
    """

    from_state: BookingState
    to_state: BookingState
    source: str
    event_id: None | str
    at: datetime.datetime
    details: TransitionOutDetails
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from_state = self.from_state.value

        to_state = self.to_state.value

        source = self.source

        event_id: None | str
        event_id = self.event_id

        at = self.at.isoformat()

        details = self.details.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "from_state": from_state,
                "to_state": to_state,
                "source": source,
                "event_id": event_id,
                "at": at,
                "details": details,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.transition_out_details import TransitionOutDetails  # noqa: PLC0415

        d = dict(src_dict)
        from_state = BookingState(d.pop("from_state"))

        to_state = BookingState(d.pop("to_state"))

        source = d.pop("source")

        def _parse_event_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        event_id = _parse_event_id(d.pop("event_id"))

        at = datetime.datetime.fromisoformat(d.pop("at"))

        details = TransitionOutDetails.from_dict(d.pop("details"))

        transition_out = cls(
            from_state=from_state,
            to_state=to_state,
            source=source,
            event_id=event_id,
            at=at,
            details=details,
        )

        transition_out.additional_properties = d
        return transition_out

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
