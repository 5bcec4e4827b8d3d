import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.catalog_kpis import CatalogKpis
from ...models.error_envelope import ErrorEnvelope
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    day: datetime.date | None | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_day: None | str | Unset
    if isinstance(day, Unset):
        json_day = UNSET
    elif isinstance(day, datetime.date):
        json_day = day.isoformat()
    else:
        json_day = day
    params["day"] = json_day

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/kpis/catalog",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CatalogKpis | ErrorEnvelope | None:
    if response.status_code == 200:
        response_200 = CatalogKpis.from_dict(response.json())

        return response_200

    if response.status_code == 422:
        response_422 = ErrorEnvelope.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = ErrorEnvelope.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = ErrorEnvelope.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = ErrorEnvelope.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[CatalogKpis | ErrorEnvelope]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    day: datetime.date | None | Unset = UNSET,
) -> Response[CatalogKpis | ErrorEnvelope]:
    """Public catalog KPIs: offers, sync health, prices

    Args:
        day (datetime.date | None | Unset): the UTC day the prices are as of; default: today

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CatalogKpis | ErrorEnvelope]
    """

    kwargs = _get_kwargs(
        day=day,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    day: datetime.date | None | Unset = UNSET,
) -> CatalogKpis | ErrorEnvelope | None:
    """Public catalog KPIs: offers, sync health, prices

    Args:
        day (datetime.date | None | Unset): the UTC day the prices are as of; default: today

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CatalogKpis | ErrorEnvelope
    """

    return sync_detailed(
        client=client,
        day=day,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    day: datetime.date | None | Unset = UNSET,
) -> Response[CatalogKpis | ErrorEnvelope]:
    """Public catalog KPIs: offers, sync health, prices

    Args:
        day (datetime.date | None | Unset): the UTC day the prices are as of; default: today

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CatalogKpis | ErrorEnvelope]
    """

    kwargs = _get_kwargs(
        day=day,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    day: datetime.date | None | Unset = UNSET,
) -> CatalogKpis | ErrorEnvelope | None:
    """Public catalog KPIs: offers, sync health, prices

    Args:
        day (datetime.date | None | Unset): the UTC day the prices are as of; default: today

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CatalogKpis | ErrorEnvelope
    """

    return (
        await asyncio_detailed(
            client=client,
            day=day,
        )
    ).parsed
