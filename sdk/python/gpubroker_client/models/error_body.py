from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ErrorBody")


@_attrs_define
class ErrorBody:
    """What went wrong, for a person (``message``) and for code (``code``, ``details``).

    Attributes:
        code (str): stable, machine-readable, e.g. `not_found`, `validation_error`
        message (str): for a person; names the bad field where there is one
        details (Any): structured context: the fields at fault, limits, ids; or null
        trace_id (str): the request's W3C trace id, also in the `X-Trace-Id` header
    """

    code: str
    message: str
    details: Any
    trace_id: str

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        message = self.message

        details = self.details

        trace_id = self.trace_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "code": code,
                "message": message,
                "details": details,
                "trace_id": trace_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        code = d.pop("code")

        message = d.pop("message")

        details = d.pop("details")

        trace_id = d.pop("trace_id")

        error_body = cls(
            code=code,
            message=message,
            details=details,
            trace_id=trace_id,
        )

        return error_body
