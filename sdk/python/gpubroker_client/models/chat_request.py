from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.constraints import Constraints
    from ..models.resume import Resume


T = TypeVar("T", bound="ChatRequest")


@_attrs_define
class ChatRequest:
    """
    Attributes:
        prompt (None | str | Unset):
        constraints (Constraints | None | Unset):
        thread_id (None | str | Unset):
        resume (None | Resume | Unset):
    """

    prompt: None | str | Unset = UNSET
    constraints: Constraints | None | Unset = UNSET
    thread_id: None | str | Unset = UNSET
    resume: None | Resume | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.constraints import Constraints  # noqa: PLC0415
        from ..models.resume import Resume  # noqa: PLC0415

        prompt: None | str | Unset
        if isinstance(self.prompt, Unset):
            prompt = UNSET
        else:
            prompt = self.prompt

        constraints: dict[str, Any] | None | Unset
        if isinstance(self.constraints, Unset):
            constraints = UNSET
        elif isinstance(self.constraints, Constraints):
            constraints = self.constraints.to_dict()
        else:
            constraints = self.constraints

        thread_id: None | str | Unset
        if isinstance(self.thread_id, Unset):
            thread_id = UNSET
        else:
            thread_id = self.thread_id

        resume: dict[str, Any] | None | Unset
        if isinstance(self.resume, Unset):
            resume = UNSET
        elif isinstance(self.resume, Resume):
            resume = self.resume.to_dict()
        else:
            resume = self.resume

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if prompt is not UNSET:
            field_dict["prompt"] = prompt
        if constraints is not UNSET:
            field_dict["constraints"] = constraints
        if thread_id is not UNSET:
            field_dict["thread_id"] = thread_id
        if resume is not UNSET:
            field_dict["resume"] = resume

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.constraints import Constraints  # noqa: PLC0415
        from ..models.resume import Resume  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_prompt(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        prompt = _parse_prompt(d.pop("prompt", UNSET))

        def _parse_constraints(data: object) -> Constraints | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                constraints_type_0 = Constraints.from_dict(data)

                return constraints_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Constraints | None | Unset, data)

        constraints = _parse_constraints(d.pop("constraints", UNSET))

        def _parse_thread_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        thread_id = _parse_thread_id(d.pop("thread_id", UNSET))

        def _parse_resume(data: object) -> None | Resume | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                resume_type_0 = Resume.from_dict(data)

                return resume_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Resume | Unset, data)

        resume = _parse_resume(d.pop("resume", UNSET))

        chat_request = cls(
            prompt=prompt,
            constraints=constraints,
            thread_id=thread_id,
            resume=resume,
        )

        return chat_request
