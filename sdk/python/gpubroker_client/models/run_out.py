from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.run_out_ledger import RunOutLedger
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.meter_out import MeterOut
    from ..models.run_out_deferred_item import RunOutDeferredItem
    from ..models.run_out_errors_item import RunOutErrorsItem


T = TypeVar("T", bound="RunOut")


@_attrs_define
class RunOut:
    """
    Attributes:
        day (datetime.date):
        ledger (RunOutLedger):
        metered (MeterOut):
        invoices_created (list[str]): numbers of the invoices and credit notes this run issued
        invoices_existing (list[str]): numbers of the period's documents issued before
        deferred (list[RunOutDeferredItem] | Unset): teams whose usage of the day is not settled yet: billed by a later
            run
        usage_exported (int | Unset): usage records recorded in Kill Bill by this run Default: 0.
        warnings (list[str] | Unset):
        errors (list[RunOutErrorsItem] | Unset):
    """

    day: datetime.date
    ledger: RunOutLedger
    metered: MeterOut
    invoices_created: list[str]
    invoices_existing: list[str]
    deferred: list[RunOutDeferredItem] | Unset = UNSET
    usage_exported: int | Unset = 0
    warnings: list[str] | Unset = UNSET
    errors: list[RunOutErrorsItem] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        day = self.day.isoformat()

        ledger = self.ledger.value

        metered = self.metered.to_dict()

        invoices_created = self.invoices_created

        invoices_existing = self.invoices_existing

        deferred: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.deferred, Unset):
            deferred = []
            for deferred_item_data in self.deferred:
                deferred_item = deferred_item_data.to_dict()
                deferred.append(deferred_item)

        usage_exported = self.usage_exported

        warnings: list[str] | Unset = UNSET
        if not isinstance(self.warnings, Unset):
            warnings = self.warnings

        errors: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.errors, Unset):
            errors = []
            for errors_item_data in self.errors:
                errors_item = errors_item_data.to_dict()
                errors.append(errors_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "day": day,
                "ledger": ledger,
                "metered": metered,
                "invoices_created": invoices_created,
                "invoices_existing": invoices_existing,
            }
        )
        if deferred is not UNSET:
            field_dict["deferred"] = deferred
        if usage_exported is not UNSET:
            field_dict["usage_exported"] = usage_exported
        if warnings is not UNSET:
            field_dict["warnings"] = warnings
        if errors is not UNSET:
            field_dict["errors"] = errors

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.meter_out import MeterOut  # noqa: PLC0415
        from ..models.run_out_deferred_item import RunOutDeferredItem  # noqa: PLC0415
        from ..models.run_out_errors_item import RunOutErrorsItem  # noqa: PLC0415

        d = dict(src_dict)
        day = datetime.date.fromisoformat(d.pop("day"))

        ledger = RunOutLedger(d.pop("ledger"))

        metered = MeterOut.from_dict(d.pop("metered"))

        invoices_created = cast(list[str], d.pop("invoices_created"))

        invoices_existing = cast(list[str], d.pop("invoices_existing"))

        _deferred = d.pop("deferred", UNSET)
        deferred: list[RunOutDeferredItem] | Unset = UNSET
        if _deferred is not UNSET:
            deferred = []
            for deferred_item_data in _deferred:
                deferred_item = RunOutDeferredItem.from_dict(deferred_item_data)

                deferred.append(deferred_item)

        usage_exported = d.pop("usage_exported", UNSET)

        warnings = cast(list[str], d.pop("warnings", UNSET))

        _errors = d.pop("errors", UNSET)
        errors: list[RunOutErrorsItem] | Unset = UNSET
        if _errors is not UNSET:
            errors = []
            for errors_item_data in _errors:
                errors_item = RunOutErrorsItem.from_dict(errors_item_data)

                errors.append(errors_item)

        run_out = cls(
            day=day,
            ledger=ledger,
            metered=metered,
            invoices_created=invoices_created,
            invoices_existing=invoices_existing,
            deferred=deferred,
            usage_exported=usage_exported,
            warnings=warnings,
            errors=errors,
        )

        run_out.additional_properties = d
        return run_out

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
