from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.chat_result_approval_type_0 import ChatResultApprovalType0
    from ..models.chat_result_booking_type_0 import ChatResultBookingType0
    from ..models.chat_result_bookings_item import ChatResultBookingsItem
    from ..models.chat_result_requirement_type_0 import ChatResultRequirementType0
    from ..models.chat_result_searches_item import ChatResultSearchesItem
    from ..models.chat_result_sources_item import ChatResultSourcesItem
    from ..models.chat_result_spending_type_0 import ChatResultSpendingType0
    from ..models.forecast import Forecast
    from ..models.iac import Iac
    from ..models.recommendation import Recommendation


T = TypeVar("T", bound="ChatResult")


@_attrs_define
class ChatResult:
    """The structured answer of one turn (spec section 5), plus what the UI and evals need.

    Attributes:
        recommendations (list[Recommendation] | Unset):
        forecast (Forecast | None | Unset):
        iac (Iac | None | Unset):
        summary (str | Unset):  Default: ''.
        thread_id (None | str | Unset):
        intent (None | str | Unset):
        searches (list[ChatResultSearchesItem] | Unset):
        nearest (list[Recommendation] | Unset):
        relax (list[str] | Unset):
        requirement (ChatResultRequirementType0 | None | Unset):
        marketplace_url (None | str | Unset):
        approval (ChatResultApprovalType0 | None | Unset):
        booking (ChatResultBookingType0 | None | Unset):
        bookings (list[ChatResultBookingsItem] | Unset):
        spending (ChatResultSpendingType0 | None | Unset):
        sources (list[ChatResultSourcesItem] | Unset):
        language (str | Unset):  Default: 'en'.
    """

    recommendations: list[Recommendation] | Unset = UNSET
    forecast: Forecast | None | Unset = UNSET
    iac: Iac | None | Unset = UNSET
    summary: str | Unset = ""
    thread_id: None | str | Unset = UNSET
    intent: None | str | Unset = UNSET
    searches: list[ChatResultSearchesItem] | Unset = UNSET
    nearest: list[Recommendation] | Unset = UNSET
    relax: list[str] | Unset = UNSET
    requirement: ChatResultRequirementType0 | None | Unset = UNSET
    marketplace_url: None | str | Unset = UNSET
    approval: ChatResultApprovalType0 | None | Unset = UNSET
    booking: ChatResultBookingType0 | None | Unset = UNSET
    bookings: list[ChatResultBookingsItem] | Unset = UNSET
    spending: ChatResultSpendingType0 | None | Unset = UNSET
    sources: list[ChatResultSourcesItem] | Unset = UNSET
    language: str | Unset = "en"
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.chat_result_approval_type_0 import ChatResultApprovalType0  # noqa: PLC0415
        from ..models.chat_result_booking_type_0 import ChatResultBookingType0  # noqa: PLC0415
        from ..models.chat_result_requirement_type_0 import ChatResultRequirementType0  # noqa: PLC0415
        from ..models.chat_result_spending_type_0 import ChatResultSpendingType0  # noqa: PLC0415
        from ..models.forecast import Forecast  # noqa: PLC0415
        from ..models.iac import Iac  # noqa: PLC0415

        recommendations: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.recommendations, Unset):
            recommendations = []
            for recommendations_item_data in self.recommendations:
                recommendations_item = recommendations_item_data.to_dict()
                recommendations.append(recommendations_item)

        forecast: dict[str, Any] | None | Unset
        if isinstance(self.forecast, Unset):
            forecast = UNSET
        elif isinstance(self.forecast, Forecast):
            forecast = self.forecast.to_dict()
        else:
            forecast = self.forecast

        iac: dict[str, Any] | None | Unset
        if isinstance(self.iac, Unset):
            iac = UNSET
        elif isinstance(self.iac, Iac):
            iac = self.iac.to_dict()
        else:
            iac = self.iac

        summary = self.summary

        thread_id: None | str | Unset
        if isinstance(self.thread_id, Unset):
            thread_id = UNSET
        else:
            thread_id = self.thread_id

        intent: None | str | Unset
        if isinstance(self.intent, Unset):
            intent = UNSET
        else:
            intent = self.intent

        searches: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.searches, Unset):
            searches = []
            for searches_item_data in self.searches:
                searches_item = searches_item_data.to_dict()
                searches.append(searches_item)

        nearest: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.nearest, Unset):
            nearest = []
            for nearest_item_data in self.nearest:
                nearest_item = nearest_item_data.to_dict()
                nearest.append(nearest_item)

        relax: list[str] | Unset = UNSET
        if not isinstance(self.relax, Unset):
            relax = self.relax

        requirement: dict[str, Any] | None | Unset
        if isinstance(self.requirement, Unset):
            requirement = UNSET
        elif isinstance(self.requirement, ChatResultRequirementType0):
            requirement = self.requirement.to_dict()
        else:
            requirement = self.requirement

        marketplace_url: None | str | Unset
        if isinstance(self.marketplace_url, Unset):
            marketplace_url = UNSET
        else:
            marketplace_url = self.marketplace_url

        approval: dict[str, Any] | None | Unset
        if isinstance(self.approval, Unset):
            approval = UNSET
        elif isinstance(self.approval, ChatResultApprovalType0):
            approval = self.approval.to_dict()
        else:
            approval = self.approval

        booking: dict[str, Any] | None | Unset
        if isinstance(self.booking, Unset):
            booking = UNSET
        elif isinstance(self.booking, ChatResultBookingType0):
            booking = self.booking.to_dict()
        else:
            booking = self.booking

        bookings: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.bookings, Unset):
            bookings = []
            for bookings_item_data in self.bookings:
                bookings_item = bookings_item_data.to_dict()
                bookings.append(bookings_item)

        spending: dict[str, Any] | None | Unset
        if isinstance(self.spending, Unset):
            spending = UNSET
        elif isinstance(self.spending, ChatResultSpendingType0):
            spending = self.spending.to_dict()
        else:
            spending = self.spending

        sources: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.sources, Unset):
            sources = []
            for sources_item_data in self.sources:
                sources_item = sources_item_data.to_dict()
                sources.append(sources_item)

        language = self.language

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if recommendations is not UNSET:
            field_dict["recommendations"] = recommendations
        if forecast is not UNSET:
            field_dict["forecast"] = forecast
        if iac is not UNSET:
            field_dict["iac"] = iac
        if summary is not UNSET:
            field_dict["summary"] = summary
        if thread_id is not UNSET:
            field_dict["thread_id"] = thread_id
        if intent is not UNSET:
            field_dict["intent"] = intent
        if searches is not UNSET:
            field_dict["searches"] = searches
        if nearest is not UNSET:
            field_dict["nearest"] = nearest
        if relax is not UNSET:
            field_dict["relax"] = relax
        if requirement is not UNSET:
            field_dict["requirement"] = requirement
        if marketplace_url is not UNSET:
            field_dict["marketplace_url"] = marketplace_url
        if approval is not UNSET:
            field_dict["approval"] = approval
        if booking is not UNSET:
            field_dict["booking"] = booking
        if bookings is not UNSET:
            field_dict["bookings"] = bookings
        if spending is not UNSET:
            field_dict["spending"] = spending
        if sources is not UNSET:
            field_dict["sources"] = sources
        if language is not UNSET:
            field_dict["language"] = language

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.chat_result_approval_type_0 import ChatResultApprovalType0  # noqa: PLC0415
        from ..models.chat_result_booking_type_0 import ChatResultBookingType0  # noqa: PLC0415
        from ..models.chat_result_bookings_item import ChatResultBookingsItem  # noqa: PLC0415
        from ..models.chat_result_requirement_type_0 import ChatResultRequirementType0  # noqa: PLC0415
        from ..models.chat_result_searches_item import ChatResultSearchesItem  # noqa: PLC0415
        from ..models.chat_result_sources_item import ChatResultSourcesItem  # noqa: PLC0415
        from ..models.chat_result_spending_type_0 import ChatResultSpendingType0  # noqa: PLC0415
        from ..models.forecast import Forecast  # noqa: PLC0415
        from ..models.iac import Iac  # noqa: PLC0415
        from ..models.recommendation import Recommendation  # noqa: PLC0415

        d = dict(src_dict)
        _recommendations = d.pop("recommendations", UNSET)
        recommendations: list[Recommendation] | Unset = UNSET
        if _recommendations is not UNSET:
            recommendations = []
            for recommendations_item_data in _recommendations:
                recommendations_item = Recommendation.from_dict(recommendations_item_data)

                recommendations.append(recommendations_item)

        def _parse_forecast(data: object) -> Forecast | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                forecast_type_0 = Forecast.from_dict(data)

                return forecast_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Forecast | None | Unset, data)

        forecast = _parse_forecast(d.pop("forecast", UNSET))

        def _parse_iac(data: object) -> Iac | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                iac_type_0 = Iac.from_dict(data)

                return iac_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Iac | None | Unset, data)

        iac = _parse_iac(d.pop("iac", UNSET))

        summary = d.pop("summary", UNSET)

        def _parse_thread_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        thread_id = _parse_thread_id(d.pop("thread_id", UNSET))

        def _parse_intent(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        intent = _parse_intent(d.pop("intent", UNSET))

        _searches = d.pop("searches", UNSET)
        searches: list[ChatResultSearchesItem] | Unset = UNSET
        if _searches is not UNSET:
            searches = []
            for searches_item_data in _searches:
                searches_item = ChatResultSearchesItem.from_dict(searches_item_data)

                searches.append(searches_item)

        _nearest = d.pop("nearest", UNSET)
        nearest: list[Recommendation] | Unset = UNSET
        if _nearest is not UNSET:
            nearest = []
            for nearest_item_data in _nearest:
                nearest_item = Recommendation.from_dict(nearest_item_data)

                nearest.append(nearest_item)

        relax = cast(list[str], d.pop("relax", UNSET))

        def _parse_requirement(data: object) -> ChatResultRequirementType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                requirement_type_0 = ChatResultRequirementType0.from_dict(data)

                return requirement_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ChatResultRequirementType0 | None | Unset, data)

        requirement = _parse_requirement(d.pop("requirement", UNSET))

        def _parse_marketplace_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        marketplace_url = _parse_marketplace_url(d.pop("marketplace_url", UNSET))

        def _parse_approval(data: object) -> ChatResultApprovalType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                approval_type_0 = ChatResultApprovalType0.from_dict(data)

                return approval_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ChatResultApprovalType0 | None | Unset, data)

        approval = _parse_approval(d.pop("approval", UNSET))

        def _parse_booking(data: object) -> ChatResultBookingType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                booking_type_0 = ChatResultBookingType0.from_dict(data)

                return booking_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ChatResultBookingType0 | None | Unset, data)

        booking = _parse_booking(d.pop("booking", UNSET))

        _bookings = d.pop("bookings", UNSET)
        bookings: list[ChatResultBookingsItem] | Unset = UNSET
        if _bookings is not UNSET:
            bookings = []
            for bookings_item_data in _bookings:
                bookings_item = ChatResultBookingsItem.from_dict(bookings_item_data)

                bookings.append(bookings_item)

        def _parse_spending(data: object) -> ChatResultSpendingType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                spending_type_0 = ChatResultSpendingType0.from_dict(data)

                return spending_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ChatResultSpendingType0 | None | Unset, data)

        spending = _parse_spending(d.pop("spending", UNSET))

        _sources = d.pop("sources", UNSET)
        sources: list[ChatResultSourcesItem] | Unset = UNSET
        if _sources is not UNSET:
            sources = []
            for sources_item_data in _sources:
                sources_item = ChatResultSourcesItem.from_dict(sources_item_data)

                sources.append(sources_item)

        language = d.pop("language", UNSET)

        chat_result = cls(
            recommendations=recommendations,
            forecast=forecast,
            iac=iac,
            summary=summary,
            thread_id=thread_id,
            intent=intent,
            searches=searches,
            nearest=nearest,
            relax=relax,
            requirement=requirement,
            marketplace_url=marketplace_url,
            approval=approval,
            booking=booking,
            bookings=bookings,
            spending=spending,
            sources=sources,
            language=language,
        )

        chat_result.additional_properties = d
        return chat_result

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
