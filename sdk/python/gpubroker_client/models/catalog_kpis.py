from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.catalog_kpis_backend import CatalogKpisBackend

if TYPE_CHECKING:
    from ..models.catalog_kpis_providers_by_status import CatalogKpisProvidersByStatus
    from ..models.family_price import FamilyPrice
    from ..models.provider_offers import ProviderOffers
    from ..models.provider_sync import ProviderSync


T = TypeVar("T", bound="CatalogKpis")


@_attrs_define
class CatalogKpis:
    """
    Attributes:
        day (datetime.date):
        backend (CatalogKpisBackend):
        offers_total (int):
        offers_by_provider (list[ProviderOffers]):
        providers (list[ProviderSync]):
        providers_by_status (CatalogKpisProvidersByStatus):
        family_prices (list[FamilyPrice]):
        generated_at (datetime.datetime):
    """

    day: datetime.date
    backend: CatalogKpisBackend
    offers_total: int
    offers_by_provider: list[ProviderOffers]
    providers: list[ProviderSync]
    providers_by_status: CatalogKpisProvidersByStatus
    family_prices: list[FamilyPrice]
    generated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        day = self.day.isoformat()

        backend = self.backend.value

        offers_total = self.offers_total

        offers_by_provider = []
        for offers_by_provider_item_data in self.offers_by_provider:
            offers_by_provider_item = offers_by_provider_item_data.to_dict()
            offers_by_provider.append(offers_by_provider_item)

        providers = []
        for providers_item_data in self.providers:
            providers_item = providers_item_data.to_dict()
            providers.append(providers_item)

        providers_by_status = self.providers_by_status.to_dict()

        family_prices = []
        for family_prices_item_data in self.family_prices:
            family_prices_item = family_prices_item_data.to_dict()
            family_prices.append(family_prices_item)

        generated_at = self.generated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "day": day,
                "backend": backend,
                "offers_total": offers_total,
                "offers_by_provider": offers_by_provider,
                "providers": providers,
                "providers_by_status": providers_by_status,
                "family_prices": family_prices,
                "generated_at": generated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.catalog_kpis_providers_by_status import CatalogKpisProvidersByStatus  # noqa: PLC0415
        from ..models.family_price import FamilyPrice  # noqa: PLC0415
        from ..models.provider_offers import ProviderOffers  # noqa: PLC0415
        from ..models.provider_sync import ProviderSync  # noqa: PLC0415

        d = dict(src_dict)
        day = datetime.date.fromisoformat(d.pop("day"))

        backend = CatalogKpisBackend(d.pop("backend"))

        offers_total = d.pop("offers_total")

        offers_by_provider = []
        _offers_by_provider = d.pop("offers_by_provider")
        for offers_by_provider_item_data in _offers_by_provider:
            offers_by_provider_item = ProviderOffers.from_dict(offers_by_provider_item_data)

            offers_by_provider.append(offers_by_provider_item)

        providers = []
        _providers = d.pop("providers")
        for providers_item_data in _providers:
            providers_item = ProviderSync.from_dict(providers_item_data)

            providers.append(providers_item)

        providers_by_status = CatalogKpisProvidersByStatus.from_dict(d.pop("providers_by_status"))

        family_prices = []
        _family_prices = d.pop("family_prices")
        for family_prices_item_data in _family_prices:
            family_prices_item = FamilyPrice.from_dict(family_prices_item_data)

            family_prices.append(family_prices_item)

        generated_at = datetime.datetime.fromisoformat(d.pop("generated_at"))

        catalog_kpis = cls(
            day=day,
            backend=backend,
            offers_total=offers_total,
            offers_by_provider=offers_by_provider,
            providers=providers,
            providers_by_status=providers_by_status,
            family_prices=family_prices,
            generated_at=generated_at,
        )

        catalog_kpis.additional_properties = d
        return catalog_kpis

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
