from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.checkpoint_in import CheckpointIn
    from ..models.state_update_values_type_0 import StateUpdateValuesType0
    from ..models.state_update_values_type_1_item import StateUpdateValuesType1Item


T = TypeVar("T", bound="StateUpdate")


@_attrs_define
class StateUpdate:
    """
    Attributes:
        values (list[StateUpdateValuesType1Item] | None | StateUpdateValuesType0 | Unset):
        as_node (None | str | Unset):
        checkpoint (CheckpointIn | None | Unset):
        checkpoint_id (None | str | Unset):
    """

    values: list[StateUpdateValuesType1Item] | None | StateUpdateValuesType0 | Unset = UNSET
    as_node: None | str | Unset = UNSET
    checkpoint: CheckpointIn | None | Unset = UNSET
    checkpoint_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.checkpoint_in import CheckpointIn  # noqa: PLC0415
        from ..models.state_update_values_type_0 import StateUpdateValuesType0  # noqa: PLC0415

        values: dict[str, Any] | list[dict[str, Any]] | None | Unset
        if isinstance(self.values, Unset):
            values = UNSET
        elif isinstance(self.values, StateUpdateValuesType0):
            values = self.values.to_dict()
        elif isinstance(self.values, list):
            values = []
            for values_type_1_item_data in self.values:
                values_type_1_item = values_type_1_item_data.to_dict()
                values.append(values_type_1_item)

        else:
            values = self.values

        as_node: None | str | Unset
        if isinstance(self.as_node, Unset):
            as_node = UNSET
        else:
            as_node = self.as_node

        checkpoint: dict[str, Any] | None | Unset
        if isinstance(self.checkpoint, Unset):
            checkpoint = UNSET
        elif isinstance(self.checkpoint, CheckpointIn):
            checkpoint = self.checkpoint.to_dict()
        else:
            checkpoint = self.checkpoint

        checkpoint_id: None | str | Unset
        if isinstance(self.checkpoint_id, Unset):
            checkpoint_id = UNSET
        else:
            checkpoint_id = self.checkpoint_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if values is not UNSET:
            field_dict["values"] = values
        if as_node is not UNSET:
            field_dict["as_node"] = as_node
        if checkpoint is not UNSET:
            field_dict["checkpoint"] = checkpoint
        if checkpoint_id is not UNSET:
            field_dict["checkpoint_id"] = checkpoint_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.checkpoint_in import CheckpointIn  # noqa: PLC0415
        from ..models.state_update_values_type_0 import StateUpdateValuesType0  # noqa: PLC0415
        from ..models.state_update_values_type_1_item import StateUpdateValuesType1Item  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_values(data: object) -> list[StateUpdateValuesType1Item] | None | StateUpdateValuesType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                values_type_0 = StateUpdateValuesType0.from_dict(data)

                return values_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, list):
                    raise TypeError()
                values_type_1 = []
                _values_type_1 = data
                for values_type_1_item_data in _values_type_1:
                    values_type_1_item = StateUpdateValuesType1Item.from_dict(values_type_1_item_data)

                    values_type_1.append(values_type_1_item)

                return values_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[StateUpdateValuesType1Item] | None | StateUpdateValuesType0 | Unset, data)

        values = _parse_values(d.pop("values", UNSET))

        def _parse_as_node(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        as_node = _parse_as_node(d.pop("as_node", UNSET))

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

        def _parse_checkpoint_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        checkpoint_id = _parse_checkpoint_id(d.pop("checkpoint_id", UNSET))

        state_update = cls(
            values=values,
            as_node=as_node,
            checkpoint=checkpoint,
            checkpoint_id=checkpoint_id,
        )

        state_update.additional_properties = d
        return state_update

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
