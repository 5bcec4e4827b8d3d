from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.kpi_report_backend import KpiReportBackend

if TYPE_CHECKING:
    from ..models.booking_totals import BookingTotals
    from ..models.day_kpis import DayKpis
    from ..models.ranked import Ranked


T = TypeVar("T", bound="KpiReport")


@_attrs_define
class KpiReport:
    """
    Attributes:
        tenant_id (str):
        start (datetime.date):
        end (datetime.date):
        backend (KpiReportBackend):
        totals (BookingTotals):
        success_rate (float | None): of the bookings submitted in the range, the share that became active (None: none
            submitted)
        submitted_cohort (int): bookings submitted in the range
        activated_of_submitted (int): of those, how many became active
        median_time_to_active_s (float | None): median seconds from submit to active of the bookings activated in the
            range
        gpu_hours (str):
        revenue_usd (str): metered usage in USD (usage in other currencies is left out)
        active_now (int): the team's bookings active at the time of the answer
        invoices_issued (int):
        invoices_total_usd (str): the USD subtotals of the invoices issued for days in the range
        days (list[DayKpis]):
        top_gpu_families (list[Ranked]):
        top_providers (list[Ranked]):
        generated_at (datetime.datetime):
    """

    tenant_id: str
    start: datetime.date
    end: datetime.date
    backend: KpiReportBackend
    totals: BookingTotals
    success_rate: float | None
    submitted_cohort: int
    activated_of_submitted: int
    median_time_to_active_s: float | None
    gpu_hours: str
    revenue_usd: str
    active_now: int
    invoices_issued: int
    invoices_total_usd: str
    days: list[DayKpis]
    top_gpu_families: list[Ranked]
    top_providers: list[Ranked]
    generated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        tenant_id = self.tenant_id

        start = self.start.isoformat()

        end = self.end.isoformat()

        backend = self.backend.value

        totals = self.totals.to_dict()

        success_rate: float | None
        success_rate = self.success_rate

        submitted_cohort = self.submitted_cohort

        activated_of_submitted = self.activated_of_submitted

        median_time_to_active_s: float | None
        median_time_to_active_s = self.median_time_to_active_s

        gpu_hours = self.gpu_hours

        revenue_usd = self.revenue_usd

        active_now = self.active_now

        invoices_issued = self.invoices_issued

        invoices_total_usd = self.invoices_total_usd

        days = []
        for days_item_data in self.days:
            days_item = days_item_data.to_dict()
            days.append(days_item)

        top_gpu_families = []
        for top_gpu_families_item_data in self.top_gpu_families:
            top_gpu_families_item = top_gpu_families_item_data.to_dict()
            top_gpu_families.append(top_gpu_families_item)

        top_providers = []
        for top_providers_item_data in self.top_providers:
            top_providers_item = top_providers_item_data.to_dict()
            top_providers.append(top_providers_item)

        generated_at = self.generated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "tenant_id": tenant_id,
                "start": start,
                "end": end,
                "backend": backend,
                "totals": totals,
                "success_rate": success_rate,
                "submitted_cohort": submitted_cohort,
                "activated_of_submitted": activated_of_submitted,
                "median_time_to_active_s": median_time_to_active_s,
                "gpu_hours": gpu_hours,
                "revenue_usd": revenue_usd,
                "active_now": active_now,
                "invoices_issued": invoices_issued,
                "invoices_total_usd": invoices_total_usd,
                "days": days,
                "top_gpu_families": top_gpu_families,
                "top_providers": top_providers,
                "generated_at": generated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.booking_totals import BookingTotals  # noqa: PLC0415
        from ..models.day_kpis import DayKpis  # noqa: PLC0415
        from ..models.ranked import Ranked  # noqa: PLC0415

        d = dict(src_dict)
        tenant_id = d.pop("tenant_id")

        start = datetime.date.fromisoformat(d.pop("start"))

        end = datetime.date.fromisoformat(d.pop("end"))

        backend = KpiReportBackend(d.pop("backend"))

        totals = BookingTotals.from_dict(d.pop("totals"))

        def _parse_success_rate(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        success_rate = _parse_success_rate(d.pop("success_rate"))

        submitted_cohort = d.pop("submitted_cohort")

        activated_of_submitted = d.pop("activated_of_submitted")

        def _parse_median_time_to_active_s(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        median_time_to_active_s = _parse_median_time_to_active_s(d.pop("median_time_to_active_s"))

        gpu_hours = d.pop("gpu_hours")

        revenue_usd = d.pop("revenue_usd")

        active_now = d.pop("active_now")

        invoices_issued = d.pop("invoices_issued")

        invoices_total_usd = d.pop("invoices_total_usd")

        days = []
        _days = d.pop("days")
        for days_item_data in _days:
            days_item = DayKpis.from_dict(days_item_data)

            days.append(days_item)

        top_gpu_families = []
        _top_gpu_families = d.pop("top_gpu_families")
        for top_gpu_families_item_data in _top_gpu_families:
            top_gpu_families_item = Ranked.from_dict(top_gpu_families_item_data)

            top_gpu_families.append(top_gpu_families_item)

        top_providers = []
        _top_providers = d.pop("top_providers")
        for top_providers_item_data in _top_providers:
            top_providers_item = Ranked.from_dict(top_providers_item_data)

            top_providers.append(top_providers_item)

        generated_at = datetime.datetime.fromisoformat(d.pop("generated_at"))

        kpi_report = cls(
            tenant_id=tenant_id,
            start=start,
            end=end,
            backend=backend,
            totals=totals,
            success_rate=success_rate,
            submitted_cohort=submitted_cohort,
            activated_of_submitted=activated_of_submitted,
            median_time_to_active_s=median_time_to_active_s,
            gpu_hours=gpu_hours,
            revenue_usd=revenue_usd,
            active_now=active_now,
            invoices_issued=invoices_issued,
            invoices_total_usd=invoices_total_usd,
            days=days,
            top_gpu_families=top_gpu_families,
            top_providers=top_providers,
            generated_at=generated_at,
        )

        kpi_report.additional_properties = d
        return kpi_report

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
