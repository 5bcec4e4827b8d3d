from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.currency_period_out import CurrencyPeriodOut


T = TypeVar("T", bound="BillingAccountOut")


@_attrs_define
class BillingAccountOut:
    """
    Attributes:
        tenant_id (str):
        currency (str): the currency today's usage is billed in
        email (None | str):
        supported_currencies (list[str]):
        next_currency (None | str | Unset): a change not yet in force
        next_currency_from (datetime.date | None | Unset): the first UTC day billed in next_currency
        notice (None | str | Unset): what a currency change does, when one is scheduled
        country (None | str | Unset):
        vat_id (None | str | Unset):
        address (None | str | Unset):
        currency_history (list[CurrencyPeriodOut] | Unset):
    """

    tenant_id: str
    currency: str
    email: None | str
    supported_currencies: list[str]
    next_currency: None | str | Unset = UNSET
    next_currency_from: datetime.date | None | Unset = UNSET
    notice: None | str | Unset = UNSET
    country: None | str | Unset = UNSET
    vat_id: None | str | Unset = UNSET
    address: None | str | Unset = UNSET
    currency_history: list[CurrencyPeriodOut] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        tenant_id = self.tenant_id

        currency = self.currency

        email: None | str
        email = self.email

        supported_currencies = self.supported_currencies

        next_currency: None | str | Unset
        if isinstance(self.next_currency, Unset):
            next_currency = UNSET
        else:
            next_currency = self.next_currency

        next_currency_from: None | str | Unset
        if isinstance(self.next_currency_from, Unset):
            next_currency_from = UNSET
        elif isinstance(self.next_currency_from, datetime.date):
            next_currency_from = self.next_currency_from.isoformat()
        else:
            next_currency_from = self.next_currency_from

        notice: None | str | Unset
        if isinstance(self.notice, Unset):
            notice = UNSET
        else:
            notice = self.notice

        country: None | str | Unset
        if isinstance(self.country, Unset):
            country = UNSET
        else:
            country = self.country

        vat_id: None | str | Unset
        if isinstance(self.vat_id, Unset):
            vat_id = UNSET
        else:
            vat_id = self.vat_id

        address: None | str | Unset
        if isinstance(self.address, Unset):
            address = UNSET
        else:
            address = self.address

        currency_history: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.currency_history, Unset):
            currency_history = []
            for currency_history_item_data in self.currency_history:
                currency_history_item = currency_history_item_data.to_dict()
                currency_history.append(currency_history_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "tenant_id": tenant_id,
                "currency": currency,
                "email": email,
                "supported_currencies": supported_currencies,
            }
        )
        if next_currency is not UNSET:
            field_dict["next_currency"] = next_currency
        if next_currency_from is not UNSET:
            field_dict["next_currency_from"] = next_currency_from
        if notice is not UNSET:
            field_dict["notice"] = notice
        if country is not UNSET:
            field_dict["country"] = country
        if vat_id is not UNSET:
            field_dict["vat_id"] = vat_id
        if address is not UNSET:
            field_dict["address"] = address
        if currency_history is not UNSET:
            field_dict["currency_history"] = currency_history

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.currency_period_out import CurrencyPeriodOut  # noqa: PLC0415

        d = dict(src_dict)
        tenant_id = d.pop("tenant_id")

        currency = d.pop("currency")

        def _parse_email(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        email = _parse_email(d.pop("email"))

        supported_currencies = cast(list[str], d.pop("supported_currencies"))

        def _parse_next_currency(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        next_currency = _parse_next_currency(d.pop("next_currency", UNSET))

        def _parse_next_currency_from(data: object) -> datetime.date | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_currency_from_type_0 = datetime.date.fromisoformat(data)

                return next_currency_from_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None | Unset, data)

        next_currency_from = _parse_next_currency_from(d.pop("next_currency_from", UNSET))

        def _parse_notice(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        notice = _parse_notice(d.pop("notice", UNSET))

        def _parse_country(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        country = _parse_country(d.pop("country", UNSET))

        def _parse_vat_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        vat_id = _parse_vat_id(d.pop("vat_id", UNSET))

        def _parse_address(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        address = _parse_address(d.pop("address", UNSET))

        _currency_history = d.pop("currency_history", UNSET)
        currency_history: list[CurrencyPeriodOut] | Unset = UNSET
        if _currency_history is not UNSET:
            currency_history = []
            for currency_history_item_data in _currency_history:
                currency_history_item = CurrencyPeriodOut.from_dict(currency_history_item_data)

                currency_history.append(currency_history_item)

        billing_account_out = cls(
            tenant_id=tenant_id,
            currency=currency,
            email=email,
            supported_currencies=supported_currencies,
            next_currency=next_currency,
            next_currency_from=next_currency_from,
            notice=notice,
            country=country,
            vat_id=vat_id,
            address=address,
            currency_history=currency_history,
        )

        billing_account_out.additional_properties = d
        return billing_account_out

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
