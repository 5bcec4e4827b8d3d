from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.thread_search_sort_by import ThreadSearchSortBy
from ..models.thread_search_sort_order import ThreadSearchSortOrder
from ..models.thread_search_status_type_0 import ThreadSearchStatusType0
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.thread_search_metadata_type_0 import ThreadSearchMetadataType0
    from ..models.thread_search_values_type_0 import ThreadSearchValuesType0


T = TypeVar("T", bound="ThreadSearch")


@_attrs_define
class ThreadSearch:
    """
    Attributes:
        metadata (None | ThreadSearchMetadataType0 | Unset):
        values (None | ThreadSearchValuesType0 | Unset):
        status (None | ThreadSearchStatusType0 | Unset):
        ids (list[str] | None | Unset):
        limit (int | Unset):  Default: 10.
        offset (int | Unset):  Default: 0.
        sort_by (ThreadSearchSortBy | Unset):  Default: ThreadSearchSortBy.CREATED_AT.
        sort_order (ThreadSearchSortOrder | Unset):  Default: ThreadSearchSortOrder.DESC.
        select (list[str] | None | Unset):
    """

    metadata: None | ThreadSearchMetadataType0 | Unset = UNSET
    values: None | ThreadSearchValuesType0 | Unset = UNSET
    status: None | ThreadSearchStatusType0 | Unset = UNSET
    ids: list[str] | None | Unset = UNSET
    limit: int | Unset = 10
    offset: int | Unset = 0
    sort_by: ThreadSearchSortBy | Unset = ThreadSearchSortBy.CREATED_AT
    sort_order: ThreadSearchSortOrder | Unset = ThreadSearchSortOrder.DESC
    select: list[str] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.thread_search_metadata_type_0 import ThreadSearchMetadataType0  # noqa: PLC0415
        from ..models.thread_search_values_type_0 import ThreadSearchValuesType0  # noqa: PLC0415

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, ThreadSearchMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        values: dict[str, Any] | None | Unset
        if isinstance(self.values, Unset):
            values = UNSET
        elif isinstance(self.values, ThreadSearchValuesType0):
            values = self.values.to_dict()
        else:
            values = self.values

        status: None | str | Unset
        if isinstance(self.status, Unset):
            status = UNSET
        elif isinstance(self.status, ThreadSearchStatusType0):
            status = self.status.value
        else:
            status = self.status

        ids: list[str] | None | Unset
        if isinstance(self.ids, Unset):
            ids = UNSET
        elif isinstance(self.ids, list):
            ids = self.ids

        else:
            ids = self.ids

        limit = self.limit

        offset = self.offset

        sort_by: str | Unset = UNSET
        if not isinstance(self.sort_by, Unset):
            sort_by = self.sort_by.value

        sort_order: str | Unset = UNSET
        if not isinstance(self.sort_order, Unset):
            sort_order = self.sort_order.value

        select: list[str] | None | Unset
        if isinstance(self.select, Unset):
            select = UNSET
        elif isinstance(self.select, list):
            select = self.select

        else:
            select = self.select

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if values is not UNSET:
            field_dict["values"] = values
        if status is not UNSET:
            field_dict["status"] = status
        if ids is not UNSET:
            field_dict["ids"] = ids
        if limit is not UNSET:
            field_dict["limit"] = limit
        if offset is not UNSET:
            field_dict["offset"] = offset
        if sort_by is not UNSET:
            field_dict["sort_by"] = sort_by
        if sort_order is not UNSET:
            field_dict["sort_order"] = sort_order
        if select is not UNSET:
            field_dict["select"] = select

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.thread_search_metadata_type_0 import ThreadSearchMetadataType0  # noqa: PLC0415
        from ..models.thread_search_values_type_0 import ThreadSearchValuesType0  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_metadata(data: object) -> None | ThreadSearchMetadataType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = ThreadSearchMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ThreadSearchMetadataType0 | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        def _parse_values(data: object) -> None | ThreadSearchValuesType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                values_type_0 = ThreadSearchValuesType0.from_dict(data)

                return values_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ThreadSearchValuesType0 | Unset, data)

        values = _parse_values(d.pop("values", UNSET))

        def _parse_status(data: object) -> None | ThreadSearchStatusType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = ThreadSearchStatusType0(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ThreadSearchStatusType0 | Unset, data)

        status = _parse_status(d.pop("status", UNSET))

        def _parse_ids(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                ids_type_0 = cast(list[str], data)

                return ids_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        ids = _parse_ids(d.pop("ids", UNSET))

        limit = d.pop("limit", UNSET)

        offset = d.pop("offset", UNSET)

        _sort_by = d.pop("sort_by", UNSET)
        sort_by: ThreadSearchSortBy | Unset
        if isinstance(_sort_by, Unset):
            sort_by = UNSET
        else:
            sort_by = ThreadSearchSortBy(_sort_by)

        _sort_order = d.pop("sort_order", UNSET)
        sort_order: ThreadSearchSortOrder | Unset
        if isinstance(_sort_order, Unset):
            sort_order = UNSET
        else:
            sort_order = ThreadSearchSortOrder(_sort_order)

        def _parse_select(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                select_type_0 = cast(list[str], data)

                return select_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        select = _parse_select(d.pop("select", UNSET))

        thread_search = cls(
            metadata=metadata,
            values=values,
            status=status,
            ids=ids,
            limit=limit,
            offset=offset,
            sort_by=sort_by,
            sort_order=sort_order,
            select=select,
        )

        thread_search.additional_properties = d
        return thread_search

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
