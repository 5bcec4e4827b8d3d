from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.run_create_if_not_exists import RunCreateIfNotExists
from ..models.run_create_multitask_strategy import RunCreateMultitaskStrategy
from ..models.run_create_on_completion import RunCreateOnCompletion
from ..models.run_create_on_disconnect import RunCreateOnDisconnect
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.run_command import RunCommand
    from ..models.run_create_checkpoint_type_0 import RunCreateCheckpointType0
    from ..models.run_create_config_type_0 import RunCreateConfigType0
    from ..models.run_create_input_type_0 import RunCreateInputType0
    from ..models.run_create_metadata_type_0 import RunCreateMetadataType0


T = TypeVar("T", bound="RunCreate")


@_attrs_define
class RunCreate:
    """
    Attributes:
        assistant_id (str | Unset):  Default: 'gpubroker'.
        input_ (None | RunCreateInputType0 | Unset):
        command (None | RunCommand | Unset):
        stream_mode (list[str] | str | Unset):  Default: 'values'.
        stream_resumable (bool | Unset):  Default: False.
        config (None | RunCreateConfigType0 | Unset):
        metadata (None | RunCreateMetadataType0 | Unset):
        multitask_strategy (RunCreateMultitaskStrategy | Unset):  Default: RunCreateMultitaskStrategy.REJECT.
        on_disconnect (RunCreateOnDisconnect | Unset):  Default: RunCreateOnDisconnect.CONTINUE.
        on_completion (RunCreateOnCompletion | Unset):  Default: RunCreateOnCompletion.DELETE.
        if_not_exists (RunCreateIfNotExists | Unset):  Default: RunCreateIfNotExists.REJECT.
        interrupt_before (Any | Unset):
        interrupt_after (Any | Unset):
        checkpoint_id (None | str | Unset):
        checkpoint (None | RunCreateCheckpointType0 | Unset):
        after_seconds (float | None | Unset):
        webhook (None | str | Unset):
    """

    assistant_id: str | Unset = "gpubroker"
    input_: None | RunCreateInputType0 | Unset = UNSET
    command: None | RunCommand | Unset = UNSET
    stream_mode: list[str] | str | Unset = "values"
    stream_resumable: bool | Unset = False
    config: None | RunCreateConfigType0 | Unset = UNSET
    metadata: None | RunCreateMetadataType0 | Unset = UNSET
    multitask_strategy: RunCreateMultitaskStrategy | Unset = RunCreateMultitaskStrategy.REJECT
    on_disconnect: RunCreateOnDisconnect | Unset = RunCreateOnDisconnect.CONTINUE
    on_completion: RunCreateOnCompletion | Unset = RunCreateOnCompletion.DELETE
    if_not_exists: RunCreateIfNotExists | Unset = RunCreateIfNotExists.REJECT
    interrupt_before: Any | Unset = UNSET
    interrupt_after: Any | Unset = UNSET
    checkpoint_id: None | str | Unset = UNSET
    checkpoint: None | RunCreateCheckpointType0 | Unset = UNSET
    after_seconds: float | None | Unset = UNSET
    webhook: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.run_command import RunCommand  # noqa: PLC0415
        from ..models.run_create_checkpoint_type_0 import RunCreateCheckpointType0  # noqa: PLC0415
        from ..models.run_create_config_type_0 import RunCreateConfigType0  # noqa: PLC0415
        from ..models.run_create_input_type_0 import RunCreateInputType0  # noqa: PLC0415
        from ..models.run_create_metadata_type_0 import RunCreateMetadataType0  # noqa: PLC0415

        assistant_id = self.assistant_id

        input_: dict[str, Any] | None | Unset
        if isinstance(self.input_, Unset):
            input_ = UNSET
        elif isinstance(self.input_, RunCreateInputType0):
            input_ = self.input_.to_dict()
        else:
            input_ = self.input_

        command: dict[str, Any] | None | Unset
        if isinstance(self.command, Unset):
            command = UNSET
        elif isinstance(self.command, RunCommand):
            command = self.command.to_dict()
        else:
            command = self.command

        stream_mode: list[str] | str | Unset
        if isinstance(self.stream_mode, Unset):
            stream_mode = UNSET
        elif isinstance(self.stream_mode, list):
            stream_mode = self.stream_mode

        else:
            stream_mode = self.stream_mode

        stream_resumable = self.stream_resumable

        config: dict[str, Any] | None | Unset
        if isinstance(self.config, Unset):
            config = UNSET
        elif isinstance(self.config, RunCreateConfigType0):
            config = self.config.to_dict()
        else:
            config = self.config

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, RunCreateMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        multitask_strategy: str | Unset = UNSET
        if not isinstance(self.multitask_strategy, Unset):
            multitask_strategy = self.multitask_strategy.value

        on_disconnect: str | Unset = UNSET
        if not isinstance(self.on_disconnect, Unset):
            on_disconnect = self.on_disconnect.value

        on_completion: str | Unset = UNSET
        if not isinstance(self.on_completion, Unset):
            on_completion = self.on_completion.value

        if_not_exists: str | Unset = UNSET
        if not isinstance(self.if_not_exists, Unset):
            if_not_exists = self.if_not_exists.value

        interrupt_before = self.interrupt_before

        interrupt_after = self.interrupt_after

        checkpoint_id: None | str | Unset
        if isinstance(self.checkpoint_id, Unset):
            checkpoint_id = UNSET
        else:
            checkpoint_id = self.checkpoint_id

        checkpoint: dict[str, Any] | None | Unset
        if isinstance(self.checkpoint, Unset):
            checkpoint = UNSET
        elif isinstance(self.checkpoint, RunCreateCheckpointType0):
            checkpoint = self.checkpoint.to_dict()
        else:
            checkpoint = self.checkpoint

        after_seconds: float | None | Unset
        if isinstance(self.after_seconds, Unset):
            after_seconds = UNSET
        else:
            after_seconds = self.after_seconds

        webhook: None | str | Unset
        if isinstance(self.webhook, Unset):
            webhook = UNSET
        else:
            webhook = self.webhook

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if assistant_id is not UNSET:
            field_dict["assistant_id"] = assistant_id
        if input_ is not UNSET:
            field_dict["input"] = input_
        if command is not UNSET:
            field_dict["command"] = command
        if stream_mode is not UNSET:
            field_dict["stream_mode"] = stream_mode
        if stream_resumable is not UNSET:
            field_dict["stream_resumable"] = stream_resumable
        if config is not UNSET:
            field_dict["config"] = config
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if multitask_strategy is not UNSET:
            field_dict["multitask_strategy"] = multitask_strategy
        if on_disconnect is not UNSET:
            field_dict["on_disconnect"] = on_disconnect
        if on_completion is not UNSET:
            field_dict["on_completion"] = on_completion
        if if_not_exists is not UNSET:
            field_dict["if_not_exists"] = if_not_exists
        if interrupt_before is not UNSET:
            field_dict["interrupt_before"] = interrupt_before
        if interrupt_after is not UNSET:
            field_dict["interrupt_after"] = interrupt_after
        if checkpoint_id is not UNSET:
            field_dict["checkpoint_id"] = checkpoint_id
        if checkpoint is not UNSET:
            field_dict["checkpoint"] = checkpoint
        if after_seconds is not UNSET:
            field_dict["after_seconds"] = after_seconds
        if webhook is not UNSET:
            field_dict["webhook"] = webhook

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.run_command import RunCommand  # noqa: PLC0415
        from ..models.run_create_checkpoint_type_0 import RunCreateCheckpointType0  # noqa: PLC0415
        from ..models.run_create_config_type_0 import RunCreateConfigType0  # noqa: PLC0415
        from ..models.run_create_input_type_0 import RunCreateInputType0  # noqa: PLC0415
        from ..models.run_create_metadata_type_0 import RunCreateMetadataType0  # noqa: PLC0415

        d = dict(src_dict)
        assistant_id = d.pop("assistant_id", UNSET)

        def _parse_input_(data: object) -> None | RunCreateInputType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                input_type_0 = RunCreateInputType0.from_dict(data)

                return input_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RunCreateInputType0 | Unset, data)

        input_ = _parse_input_(d.pop("input", UNSET))

        def _parse_command(data: object) -> None | RunCommand | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                command_type_0 = RunCommand.from_dict(data)

                return command_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RunCommand | Unset, data)

        command = _parse_command(d.pop("command", UNSET))

        def _parse_stream_mode(data: object) -> list[str] | str | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                stream_mode_type_1 = cast(list[str], data)

                return stream_mode_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | str | Unset, data)

        stream_mode = _parse_stream_mode(d.pop("stream_mode", UNSET))

        stream_resumable = d.pop("stream_resumable", UNSET)

        def _parse_config(data: object) -> None | RunCreateConfigType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                config_type_0 = RunCreateConfigType0.from_dict(data)

                return config_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RunCreateConfigType0 | Unset, data)

        config = _parse_config(d.pop("config", UNSET))

        def _parse_metadata(data: object) -> None | RunCreateMetadataType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = RunCreateMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RunCreateMetadataType0 | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        _multitask_strategy = d.pop("multitask_strategy", UNSET)
        multitask_strategy: RunCreateMultitaskStrategy | Unset
        if isinstance(_multitask_strategy, Unset):
            multitask_strategy = UNSET
        else:
            multitask_strategy = RunCreateMultitaskStrategy(_multitask_strategy)

        _on_disconnect = d.pop("on_disconnect", UNSET)
        on_disconnect: RunCreateOnDisconnect | Unset
        if isinstance(_on_disconnect, Unset):
            on_disconnect = UNSET
        else:
            on_disconnect = RunCreateOnDisconnect(_on_disconnect)

        _on_completion = d.pop("on_completion", UNSET)
        on_completion: RunCreateOnCompletion | Unset
        if isinstance(_on_completion, Unset):
            on_completion = UNSET
        else:
            on_completion = RunCreateOnCompletion(_on_completion)

        _if_not_exists = d.pop("if_not_exists", UNSET)
        if_not_exists: RunCreateIfNotExists | Unset
        if isinstance(_if_not_exists, Unset):
            if_not_exists = UNSET
        else:
            if_not_exists = RunCreateIfNotExists(_if_not_exists)

        interrupt_before = d.pop("interrupt_before", UNSET)

        interrupt_after = d.pop("interrupt_after", UNSET)

        def _parse_checkpoint_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        checkpoint_id = _parse_checkpoint_id(d.pop("checkpoint_id", UNSET))

        def _parse_checkpoint(data: object) -> None | RunCreateCheckpointType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                checkpoint_type_0 = RunCreateCheckpointType0.from_dict(data)

                return checkpoint_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RunCreateCheckpointType0 | Unset, data)

        checkpoint = _parse_checkpoint(d.pop("checkpoint", UNSET))

        def _parse_after_seconds(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        after_seconds = _parse_after_seconds(d.pop("after_seconds", UNSET))

        def _parse_webhook(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        webhook = _parse_webhook(d.pop("webhook", UNSET))

        run_create = cls(
            assistant_id=assistant_id,
            input_=input_,
            command=command,
            stream_mode=stream_mode,
            stream_resumable=stream_resumable,
            config=config,
            metadata=metadata,
            multitask_strategy=multitask_strategy,
            on_disconnect=on_disconnect,
            on_completion=on_completion,
            if_not_exists=if_not_exists,
            interrupt_before=interrupt_before,
            interrupt_after=interrupt_after,
            checkpoint_id=checkpoint_id,
            checkpoint=checkpoint,
            after_seconds=after_seconds,
            webhook=webhook,
        )

        run_create.additional_properties = d
        return run_create

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
