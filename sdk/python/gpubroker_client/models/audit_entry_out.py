from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.audit_entry_out_details import AuditEntryOutDetails


T = TypeVar("T", bound="AuditEntryOut")


@_attrs_define
class AuditEntryOut:
    """
    Attributes:
        id (int):
        chain_id (str):
        seq (int):
        ts (str):
        event_type (str):
        outcome (str):
        tenant_id (None | str):
        actor_type (str):
        actor_id (None | str):
        target (None | str):
        trace_id (None | str):
        details (AuditEntryOutDetails):
        source_ip (None | str):
        user_agent (None | str):
        erased (bool):
        pii_digest (str):
        hash_prev (str):
        hash_curr (str):
    """

    id: int
    chain_id: str
    seq: int
    ts: str
    event_type: str
    outcome: str
    tenant_id: None | str
    actor_type: str
    actor_id: None | str
    target: None | str
    trace_id: None | str
    details: AuditEntryOutDetails
    source_ip: None | str
    user_agent: None | str
    erased: bool
    pii_digest: str
    hash_prev: str
    hash_curr: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        chain_id = self.chain_id

        seq = self.seq

        ts = self.ts

        event_type = self.event_type

        outcome = self.outcome

        tenant_id: None | str
        tenant_id = self.tenant_id

        actor_type = self.actor_type

        actor_id: None | str
        actor_id = self.actor_id

        target: None | str
        target = self.target

        trace_id: None | str
        trace_id = self.trace_id

        details = self.details.to_dict()

        source_ip: None | str
        source_ip = self.source_ip

        user_agent: None | str
        user_agent = self.user_agent

        erased = self.erased

        pii_digest = self.pii_digest

        hash_prev = self.hash_prev

        hash_curr = self.hash_curr

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "chain_id": chain_id,
                "seq": seq,
                "ts": ts,
                "event_type": event_type,
                "outcome": outcome,
                "tenant_id": tenant_id,
                "actor_type": actor_type,
                "actor_id": actor_id,
                "target": target,
                "trace_id": trace_id,
                "details": details,
                "source_ip": source_ip,
                "user_agent": user_agent,
                "erased": erased,
                "pii_digest": pii_digest,
                "hash_prev": hash_prev,
                "hash_curr": hash_curr,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.audit_entry_out_details import AuditEntryOutDetails  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        chain_id = d.pop("chain_id")

        seq = d.pop("seq")

        ts = d.pop("ts")

        event_type = d.pop("event_type")

        outcome = d.pop("outcome")

        def _parse_tenant_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        tenant_id = _parse_tenant_id(d.pop("tenant_id"))

        actor_type = d.pop("actor_type")

        def _parse_actor_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        actor_id = _parse_actor_id(d.pop("actor_id"))

        def _parse_target(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        target = _parse_target(d.pop("target"))

        def _parse_trace_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        trace_id = _parse_trace_id(d.pop("trace_id"))

        details = AuditEntryOutDetails.from_dict(d.pop("details"))

        def _parse_source_ip(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        source_ip = _parse_source_ip(d.pop("source_ip"))

        def _parse_user_agent(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        user_agent = _parse_user_agent(d.pop("user_agent"))

        erased = d.pop("erased")

        pii_digest = d.pop("pii_digest")

        hash_prev = d.pop("hash_prev")

        hash_curr = d.pop("hash_curr")

        audit_entry_out = cls(
            id=id,
            chain_id=chain_id,
            seq=seq,
            ts=ts,
            event_type=event_type,
            outcome=outcome,
            tenant_id=tenant_id,
            actor_type=actor_type,
            actor_id=actor_id,
            target=target,
            trace_id=trace_id,
            details=details,
            source_ip=source_ip,
            user_agent=user_agent,
            erased=erased,
            pii_digest=pii_digest,
            hash_prev=hash_prev,
            hash_curr=hash_curr,
        )

        audit_entry_out.additional_properties = d
        return audit_entry_out

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
