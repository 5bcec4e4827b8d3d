from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.checkpoint_in import CheckpointIn
    from ..models.history_query_metadata_type_0 import HistoryQueryMetadataType0


T = TypeVar("T", bound="HistoryQuery")


@_attrs_define
class HistoryQuery:
    """
    Attributes:
        limit (int | Unset):  Default: 10.
        before (CheckpointIn | None | str | Unset):
        metadata (HistoryQueryMetadataType0 | None | Unset):
        checkpoint (CheckpointIn | None | Unset):
    """

    limit: int | Unset = 10
    before: CheckpointIn | None | str | Unset = UNSET
    metadata: HistoryQueryMetadataType0 | None | Unset = UNSET
    checkpoint: CheckpointIn | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.checkpoint_in import CheckpointIn  # noqa: PLC0415
        from ..models.history_query_metadata_type_0 import HistoryQueryMetadataType0  # noqa: PLC0415

        limit = self.limit

        before: dict[str, Any] | None | str | Unset
        if isinstance(self.before, Unset):
            before = UNSET
        elif isinstance(self.before, CheckpointIn):
            before = self.before.to_dict()
        else:
            before = self.before

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, HistoryQueryMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        checkpoint: dict[str, Any] | None | Unset
        if isinstance(self.checkpoint, Unset):
            checkpoint = UNSET
        elif isinstance(self.checkpoint, CheckpointIn):
            checkpoint = self.checkpoint.to_dict()
        else:
            checkpoint = self.checkpoint

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if limit is not UNSET:
            field_dict["limit"] = limit
        if before is not UNSET:
            field_dict["before"] = before
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if checkpoint is not UNSET:
            field_dict["checkpoint"] = checkpoint

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.checkpoint_in import CheckpointIn  # noqa: PLC0415
        from ..models.history_query_metadata_type_0 import HistoryQueryMetadataType0  # noqa: PLC0415

        d = dict(src_dict)
        limit = d.pop("limit", UNSET)

        def _parse_before(data: object) -> CheckpointIn | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                before_type_0 = CheckpointIn.from_dict(data)

                return before_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CheckpointIn | None | str | Unset, data)

        before = _parse_before(d.pop("before", UNSET))

        def _parse_metadata(data: object) -> HistoryQueryMetadataType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = HistoryQueryMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(HistoryQueryMetadataType0 | None | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        def _parse_checkpoint(data: object) -> CheckpointIn | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                checkpoint_type_0 = CheckpointIn.from_dict(data)

                return checkpoint_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CheckpointIn | None | Unset, data)

        checkpoint = _parse_checkpoint(d.pop("checkpoint", UNSET))

        history_query = cls(
            limit=limit,
            before=before,
            metadata=metadata,
            checkpoint=checkpoint,
        )

        history_query.additional_properties = d
        return history_query

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
