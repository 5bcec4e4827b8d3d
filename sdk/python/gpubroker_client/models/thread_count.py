from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.thread_count_status_type_0 import ThreadCountStatusType0
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.thread_count_metadata_type_0 import ThreadCountMetadataType0
    from ..models.thread_count_values_type_0 import ThreadCountValuesType0


T = TypeVar("T", bound="ThreadCount")


@_attrs_define
class ThreadCount:
    """
    Attributes:
        metadata (None | ThreadCountMetadataType0 | Unset):
        values (None | ThreadCountValuesType0 | Unset):
        status (None | ThreadCountStatusType0 | Unset):
    """

    metadata: None | ThreadCountMetadataType0 | Unset = UNSET
    values: None | ThreadCountValuesType0 | Unset = UNSET
    status: None | ThreadCountStatusType0 | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.thread_count_metadata_type_0 import ThreadCountMetadataType0  # noqa: PLC0415
        from ..models.thread_count_values_type_0 import ThreadCountValuesType0  # noqa: PLC0415

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, ThreadCountMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        values: dict[str, Any] | None | Unset
        if isinstance(self.values, Unset):
            values = UNSET
        elif isinstance(self.values, ThreadCountValuesType0):
            values = self.values.to_dict()
        else:
            values = self.values

        status: None | str | Unset
        if isinstance(self.status, Unset):
            status = UNSET
        elif isinstance(self.status, ThreadCountStatusType0):
            status = self.status.value
        else:
            status = self.status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if values is not UNSET:
            field_dict["values"] = values
        if status is not UNSET:
            field_dict["status"] = status

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.thread_count_metadata_type_0 import ThreadCountMetadataType0  # noqa: PLC0415
        from ..models.thread_count_values_type_0 import ThreadCountValuesType0  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_metadata(data: object) -> None | ThreadCountMetadataType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = ThreadCountMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ThreadCountMetadataType0 | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        def _parse_values(data: object) -> None | ThreadCountValuesType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                values_type_0 = ThreadCountValuesType0.from_dict(data)

                return values_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ThreadCountValuesType0 | Unset, data)

        values = _parse_values(d.pop("values", UNSET))

        def _parse_status(data: object) -> None | ThreadCountStatusType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = ThreadCountStatusType0(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ThreadCountStatusType0 | Unset, data)

        status = _parse_status(d.pop("status", UNSET))

        thread_count = cls(
            metadata=metadata,
            values=values,
            status=status,
        )

        thread_count.additional_properties = d
        return thread_count

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
