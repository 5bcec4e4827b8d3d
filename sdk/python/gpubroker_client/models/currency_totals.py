from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CurrencyTotals")


@_attrs_define
class CurrencyTotals:
    """
    Attributes:
        currency (str):
        invoiced (str): totals of the month's live invoices (supplementary ones included)
        credited (str): totals of the month's live credit notes
        balance (str): invoiced less credited
        tax (str): tax of the live invoices less that of the credit notes
        paid (str):
    """

    currency: str
    invoiced: str
    credited: str
    balance: str
    tax: str
    paid: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        currency = self.currency

        invoiced = self.invoiced

        credited = self.credited

        balance = self.balance

        tax = self.tax

        paid = self.paid

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "currency": currency,
                "invoiced": invoiced,
                "credited": credited,
                "balance": balance,
                "tax": tax,
                "paid": paid,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        currency = d.pop("currency")

        invoiced = d.pop("invoiced")

        credited = d.pop("credited")

        balance = d.pop("balance")

        tax = d.pop("tax")

        paid = d.pop("paid")

        currency_totals = cls(
            currency=currency,
            invoiced=invoiced,
            credited=credited,
            balance=balance,
            tax=tax,
            paid=paid,
        )

        currency_totals.additional_properties = d
        return currency_totals

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
