from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="MfaCodeIn")


@_attrs_define
class MfaCodeIn:
    """
    Attributes:
        mfa_token (str):
        code (str):
    """

    mfa_token: str
    code: str

    def to_dict(self) -> dict[str, Any]:
        mfa_token = self.mfa_token

        code = self.code

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "mfa_token": mfa_token,
                "code": code,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        mfa_token = d.pop("mfa_token")

        code = d.pop("code")

        mfa_code_in = cls(
            mfa_token=mfa_token,
            code=code,
        )

        return mfa_code_in
