from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.checkpoint_in import CheckpointIn


T = TypeVar("T", bound="StateAt")


@_attrs_define
class StateAt:
    """
    Attributes:
        checkpoint (CheckpointIn | None | Unset):
        subgraphs (bool | Unset):  Default: False.
    """

    checkpoint: CheckpointIn | None | Unset = UNSET
    subgraphs: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.checkpoint_in import CheckpointIn  # noqa: PLC0415

        checkpoint: dict[str, Any] | None | Unset
        if isinstance(self.checkpoint, Unset):
            checkpoint = UNSET
        elif isinstance(self.checkpoint, CheckpointIn):
            checkpoint = self.checkpoint.to_dict()
        else:
            checkpoint = self.checkpoint

        subgraphs = self.subgraphs

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if checkpoint is not UNSET:
            field_dict["checkpoint"] = checkpoint
        if subgraphs is not UNSET:
            field_dict["subgraphs"] = subgraphs

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.checkpoint_in import CheckpointIn  # noqa: PLC0415

        d = dict(src_dict)

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

        subgraphs = d.pop("subgraphs", UNSET)

        state_at = cls(
            checkpoint=checkpoint,
            subgraphs=subgraphs,
        )

        state_at.additional_properties = d
        return state_at

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
