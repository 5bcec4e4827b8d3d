from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.booking_state import BookingState
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.connection_out import ConnectionOut


T = TypeVar("T", bound="BookingOut")


@_attrs_define
class BookingOut:
    """
    Attributes:
        id (str):
        tenant_id (str):
        user_id (str):
        offer_id (None | str):
        provider_id (str):
        offer_name (str):
        gpu_type (str):
        gpu_count (int):
        region (None | str):
        hourly_price (float):
        currency (str):
        hours (float):
        estimated_total (float): hourly_price x hours, before any early stop
        state (BookingState):
        provider_ref (None | str):
        version (int):
        idempotency_key (None | str):
        failure_reason (None | str):
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        submitted_at (datetime.datetime | None):
        activated_at (datetime.datetime | None):
        ended_at (datetime.datetime | None):
        spot (bool): a spot (interruptible) instance: the provider may reclaim it
        zone (None | str):
        provisioner (None | str): who starts the instance: the provider's own API (aws, lambda, runpod, vast) or
            "sandbox" (a provider without real provisioning yet); null while a draft
        ssh_key_id (None | str):
        connection (ConnectionOut | None | Unset): how to reach the instance, once active: address, SSH command, open
            ports
        time_left_s (int | None | Unset): seconds of booked time left, while active
        cost_so_far (float | None | Unset): the booked price times the time run so far (capped at the booked hours)
    """

    id: str
    tenant_id: str
    user_id: str
    offer_id: None | str
    provider_id: str
    offer_name: str
    gpu_type: str
    gpu_count: int
    region: None | str
    hourly_price: float
    currency: str
    hours: float
    estimated_total: float
    state: BookingState
    provider_ref: None | str
    version: int
    idempotency_key: None | str
    failure_reason: None | str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    submitted_at: datetime.datetime | None
    activated_at: datetime.datetime | None
    ended_at: datetime.datetime | None
    spot: bool
    zone: None | str
    provisioner: None | str
    ssh_key_id: None | str
    connection: ConnectionOut | None | Unset = UNSET
    time_left_s: int | None | Unset = UNSET
    cost_so_far: float | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.connection_out import ConnectionOut  # noqa: PLC0415

        id = self.id

        tenant_id = self.tenant_id

        user_id = self.user_id

        offer_id: None | str
        offer_id = self.offer_id

        provider_id = self.provider_id

        offer_name = self.offer_name

        gpu_type = self.gpu_type

        gpu_count = self.gpu_count

        region: None | str
        region = self.region

        hourly_price = self.hourly_price

        currency = self.currency

        hours = self.hours

        estimated_total = self.estimated_total

        state = self.state.value

        provider_ref: None | str
        provider_ref = self.provider_ref

        version = self.version

        idempotency_key: None | str
        idempotency_key = self.idempotency_key

        failure_reason: None | str
        failure_reason = self.failure_reason

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        submitted_at: None | str
        if isinstance(self.submitted_at, datetime.datetime):
            submitted_at = self.submitted_at.isoformat()
        else:
            submitted_at = self.submitted_at

        activated_at: None | str
        if isinstance(self.activated_at, datetime.datetime):
            activated_at = self.activated_at.isoformat()
        else:
            activated_at = self.activated_at

        ended_at: None | str
        if isinstance(self.ended_at, datetime.datetime):
            ended_at = self.ended_at.isoformat()
        else:
            ended_at = self.ended_at

        spot = self.spot

        zone: None | str
        zone = self.zone

        provisioner: None | str
        provisioner = self.provisioner

        ssh_key_id: None | str
        ssh_key_id = self.ssh_key_id

        connection: dict[str, Any] | None | Unset
        if isinstance(self.connection, Unset):
            connection = UNSET
        elif isinstance(self.connection, ConnectionOut):
            connection = self.connection.to_dict()
        else:
            connection = self.connection

        time_left_s: int | None | Unset
        if isinstance(self.time_left_s, Unset):
            time_left_s = UNSET
        else:
            time_left_s = self.time_left_s

        cost_so_far: float | None | Unset
        if isinstance(self.cost_so_far, Unset):
            cost_so_far = UNSET
        else:
            cost_so_far = self.cost_so_far

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "tenant_id": tenant_id,
                "user_id": user_id,
                "offer_id": offer_id,
                "provider_id": provider_id,
                "offer_name": offer_name,
                "gpu_type": gpu_type,
                "gpu_count": gpu_count,
                "region": region,
                "hourly_price": hourly_price,
                "currency": currency,
                "hours": hours,
                "estimated_total": estimated_total,
                "state": state,
                "provider_ref": provider_ref,
                "version": version,
                "idempotency_key": idempotency_key,
                "failure_reason": failure_reason,
                "created_at": created_at,
                "updated_at": updated_at,
                "submitted_at": submitted_at,
                "activated_at": activated_at,
                "ended_at": ended_at,
                "spot": spot,
                "zone": zone,
                "provisioner": provisioner,
                "ssh_key_id": ssh_key_id,
            }
        )
        if connection is not UNSET:
            field_dict["connection"] = connection
        if time_left_s is not UNSET:
            field_dict["time_left_s"] = time_left_s
        if cost_so_far is not UNSET:
            field_dict["cost_so_far"] = cost_so_far

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.connection_out import ConnectionOut  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        tenant_id = d.pop("tenant_id")

        user_id = d.pop("user_id")

        def _parse_offer_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        offer_id = _parse_offer_id(d.pop("offer_id"))

        provider_id = d.pop("provider_id")

        offer_name = d.pop("offer_name")

        gpu_type = d.pop("gpu_type")

        gpu_count = d.pop("gpu_count")

        def _parse_region(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        region = _parse_region(d.pop("region"))

        hourly_price = d.pop("hourly_price")

        currency = d.pop("currency")

        hours = d.pop("hours")

        estimated_total = d.pop("estimated_total")

        state = BookingState(d.pop("state"))

        def _parse_provider_ref(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        provider_ref = _parse_provider_ref(d.pop("provider_ref"))

        version = d.pop("version")

        def _parse_idempotency_key(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        idempotency_key = _parse_idempotency_key(d.pop("idempotency_key"))

        def _parse_failure_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        failure_reason = _parse_failure_reason(d.pop("failure_reason"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_submitted_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                submitted_at_type_0 = datetime.datetime.fromisoformat(data)

                return submitted_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        submitted_at = _parse_submitted_at(d.pop("submitted_at"))

        def _parse_activated_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                activated_at_type_0 = datetime.datetime.fromisoformat(data)

                return activated_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        activated_at = _parse_activated_at(d.pop("activated_at"))

        def _parse_ended_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                ended_at_type_0 = datetime.datetime.fromisoformat(data)

                return ended_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        ended_at = _parse_ended_at(d.pop("ended_at"))

        spot = d.pop("spot")

        def _parse_zone(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        zone = _parse_zone(d.pop("zone"))

        def _parse_provisioner(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        provisioner = _parse_provisioner(d.pop("provisioner"))

        def _parse_ssh_key_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        ssh_key_id = _parse_ssh_key_id(d.pop("ssh_key_id"))

        def _parse_connection(data: object) -> ConnectionOut | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                connection_type_0 = ConnectionOut.from_dict(data)

                return connection_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ConnectionOut | None | Unset, data)

        connection = _parse_connection(d.pop("connection", UNSET))

        def _parse_time_left_s(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        time_left_s = _parse_time_left_s(d.pop("time_left_s", UNSET))

        def _parse_cost_so_far(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        cost_so_far = _parse_cost_so_far(d.pop("cost_so_far", UNSET))

        booking_out = cls(
            id=id,
            tenant_id=tenant_id,
            user_id=user_id,
            offer_id=offer_id,
            provider_id=provider_id,
            offer_name=offer_name,
            gpu_type=gpu_type,
            gpu_count=gpu_count,
            region=region,
            hourly_price=hourly_price,
            currency=currency,
            hours=hours,
            estimated_total=estimated_total,
            state=state,
            provider_ref=provider_ref,
            version=version,
            idempotency_key=idempotency_key,
            failure_reason=failure_reason,
            created_at=created_at,
            updated_at=updated_at,
            submitted_at=submitted_at,
            activated_at=activated_at,
            ended_at=ended_at,
            spot=spot,
            zone=zone,
            provisioner=provisioner,
            ssh_key_id=ssh_key_id,
            connection=connection,
            time_left_s=time_left_s,
            cost_so_far=cost_so_far,
        )

        booking_out.additional_properties = d
        return booking_out

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
