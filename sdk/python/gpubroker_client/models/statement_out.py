from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.currency_totals import CurrencyTotals
    from ..models.statement_document import StatementDocument


T = TypeVar("T", bound="StatementOut")


@_attrs_define
class StatementOut:
    """A team's month: what it used, what was invoiced and credited for it, and what is left.

    Attributes:
        tenant_id (str):
        team (str):
        month (str):
        usage_hours (str):
        usage_usd (str): the month's metered usage, exact
        invoiced_usd (str): usage billed by live invoices, exact line amounts
        credited_usd (str): usage credited back by live credit notes (corrections)
        not_invoiced_usd (str): usage not (yet) invoiced: not settled, or a day below the smallest unit
        goodwill_credited_usd (str): manual credit notes, not tied to usage
        documents (list[StatementDocument]):
        corrections (list[StatementDocument]):
        totals (list[CurrencyTotals]):
    """

    tenant_id: str
    team: str
    month: str
    usage_hours: str
    usage_usd: str
    invoiced_usd: str
    credited_usd: str
    not_invoiced_usd: str
    goodwill_credited_usd: str
    documents: list[StatementDocument]
    corrections: list[StatementDocument]
    totals: list[CurrencyTotals]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        tenant_id = self.tenant_id

        team = self.team

        month = self.month

        usage_hours = self.usage_hours

        usage_usd = self.usage_usd

        invoiced_usd = self.invoiced_usd

        credited_usd = self.credited_usd

        not_invoiced_usd = self.not_invoiced_usd

        goodwill_credited_usd = self.goodwill_credited_usd

        documents = []
        for documents_item_data in self.documents:
            documents_item = documents_item_data.to_dict()
            documents.append(documents_item)

        corrections = []
        for corrections_item_data in self.corrections:
            corrections_item = corrections_item_data.to_dict()
            corrections.append(corrections_item)

        totals = []
        for totals_item_data in self.totals:
            totals_item = totals_item_data.to_dict()
            totals.append(totals_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "tenant_id": tenant_id,
                "team": team,
                "month": month,
                "usage_hours": usage_hours,
                "usage_usd": usage_usd,
                "invoiced_usd": invoiced_usd,
                "credited_usd": credited_usd,
                "not_invoiced_usd": not_invoiced_usd,
                "goodwill_credited_usd": goodwill_credited_usd,
                "documents": documents,
                "corrections": corrections,
                "totals": totals,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.currency_totals import CurrencyTotals  # noqa: PLC0415
        from ..models.statement_document import StatementDocument  # noqa: PLC0415

        d = dict(src_dict)
        tenant_id = d.pop("tenant_id")

        team = d.pop("team")

        month = d.pop("month")

        usage_hours = d.pop("usage_hours")

        usage_usd = d.pop("usage_usd")

        invoiced_usd = d.pop("invoiced_usd")

        credited_usd = d.pop("credited_usd")

        not_invoiced_usd = d.pop("not_invoiced_usd")

        goodwill_credited_usd = d.pop("goodwill_credited_usd")

        documents = []
        _documents = d.pop("documents")
        for documents_item_data in _documents:
            documents_item = StatementDocument.from_dict(documents_item_data)

            documents.append(documents_item)

        corrections = []
        _corrections = d.pop("corrections")
        for corrections_item_data in _corrections:
            corrections_item = StatementDocument.from_dict(corrections_item_data)

            corrections.append(corrections_item)

        totals = []
        _totals = d.pop("totals")
        for totals_item_data in _totals:
            totals_item = CurrencyTotals.from_dict(totals_item_data)

            totals.append(totals_item)

        statement_out = cls(
            tenant_id=tenant_id,
            team=team,
            month=month,
            usage_hours=usage_hours,
            usage_usd=usage_usd,
            invoiced_usd=invoiced_usd,
            credited_usd=credited_usd,
            not_invoiced_usd=not_invoiced_usd,
            goodwill_credited_usd=goodwill_credited_usd,
            documents=documents,
            corrections=corrections,
            totals=totals,
        )

        statement_out.additional_properties = d
        return statement_out

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
