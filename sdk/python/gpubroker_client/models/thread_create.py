from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.thread_create_if_exists import ThreadCreateIfExists
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.thread_create_metadata_type_0 import ThreadCreateMetadataType0


T = TypeVar("T", bound="ThreadCreate")


@_attrs_define
class ThreadCreate:
    """
    Attributes:
        thread_id (None | str | Unset):
        metadata (None | ThreadCreateMetadataType0 | Unset):
        if_exists (ThreadCreateIfExists | Unset):  Default: ThreadCreateIfExists.RAISE.
    """

    thread_id: None | str | Unset = UNSET
    metadata: None | ThreadCreateMetadataType0 | Unset = UNSET
    if_exists: ThreadCreateIfExists | Unset = ThreadCreateIfExists.RAISE
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.thread_create_metadata_type_0 import ThreadCreateMetadataType0  # noqa: PLC0415

        thread_id: None | str | Unset
        if isinstance(self.thread_id, Unset):
            thread_id = UNSET
        else:
            thread_id = self.thread_id

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, ThreadCreateMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        if_exists: str | Unset = UNSET
        if not isinstance(self.if_exists, Unset):
            if_exists = self.if_exists.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if thread_id is not UNSET:
            field_dict["thread_id"] = thread_id
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if if_exists is not UNSET:
            field_dict["if_exists"] = if_exists

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.thread_create_metadata_type_0 import ThreadCreateMetadataType0  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_thread_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        thread_id = _parse_thread_id(d.pop("thread_id", UNSET))

        def _parse_metadata(data: object) -> None | ThreadCreateMetadataType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = ThreadCreateMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ThreadCreateMetadataType0 | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        _if_exists = d.pop("if_exists", UNSET)
        if_exists: ThreadCreateIfExists | Unset
        if isinstance(_if_exists, Unset):
            if_exists = UNSET
        else:
            if_exists = ThreadCreateIfExists(_if_exists)

        thread_create = cls(
            thread_id=thread_id,
            metadata=metadata,
            if_exists=if_exists,
        )

        thread_create.additional_properties = d
        return thread_create

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
