import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.kpi_report import KpiReport
from ...types import UNSET, Response, Unset


def _get_kwargs(
    tenant_id: str,
    *,
    start: datetime.date | None | Unset = UNSET,
    end: datetime.date | None | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_start: None | str | Unset
    if isinstance(start, Unset):
        json_start = UNSET
    elif isinstance(start, datetime.date):
        json_start = start.isoformat()
    else:
        json_start = start
    params["start"] = json_start

    json_end: None | str | Unset
    if isinstance(end, Unset):
        json_end = UNSET
    elif isinstance(end, datetime.date):
        json_end = end.isoformat()
    else:
        json_end = end
    params["end"] = json_end

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/ops/tenants/{tenant_id}/kpis".format(
            tenant_id=quote(str(tenant_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | KpiReport | None:
    if response.status_code == 200:
        response_200 = KpiReport.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = ErrorEnvelope.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorEnvelope.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorEnvelope.from_dict(response.json())

        return response_404

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
) -> Response[ErrorEnvelope | KpiReport]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    tenant_id: str,
    *,
    client: AuthenticatedClient,
    start: datetime.date | None | Unset = UNSET,
    end: datetime.date | None | Unset = UNSET,
) -> Response[ErrorEnvelope | KpiReport]:
    """A team's KPIs, for a platform operator (each look is audited in that team's chain)

    Args:
        tenant_id (str):
        start (datetime.date | None | Unset): first UTC day (YYYY-MM-DD); default: 29 days before
            end
        end (datetime.date | None | Unset): last UTC day, included (YYYY-MM-DD); default: today

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | KpiReport]
    """

    kwargs = _get_kwargs(
        tenant_id=tenant_id,
        start=start,
        end=end,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    tenant_id: str,
    *,
    client: AuthenticatedClient,
    start: datetime.date | None | Unset = UNSET,
    end: datetime.date | None | Unset = UNSET,
) -> ErrorEnvelope | KpiReport | None:
    """A team's KPIs, for a platform operator (each look is audited in that team's chain)

    Args:
        tenant_id (str):
        start (datetime.date | None | Unset): first UTC day (YYYY-MM-DD); default: 29 days before
            end
        end (datetime.date | None | Unset): last UTC day, included (YYYY-MM-DD); default: today

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | KpiReport
    """

    return sync_detailed(
        tenant_id=tenant_id,
        client=client,
        start=start,
        end=end,
    ).parsed


async def asyncio_detailed(
    tenant_id: str,
    *,
    client: AuthenticatedClient,
    start: datetime.date | None | Unset = UNSET,
    end: datetime.date | None | Unset = UNSET,
) -> Response[ErrorEnvelope | KpiReport]:
    """A team's KPIs, for a platform operator (each look is audited in that team's chain)

    Args:
        tenant_id (str):
        start (datetime.date | None | Unset): first UTC day (YYYY-MM-DD); default: 29 days before
            end
        end (datetime.date | None | Unset): last UTC day, included (YYYY-MM-DD); default: today

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | KpiReport]
    """

    kwargs = _get_kwargs(
        tenant_id=tenant_id,
        start=start,
        end=end,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    tenant_id: str,
    *,
    client: AuthenticatedClient,
    start: datetime.date | None | Unset = UNSET,
    end: datetime.date | None | Unset = UNSET,
) -> ErrorEnvelope | KpiReport | None:
    """A team's KPIs, for a platform operator (each look is audited in that team's chain)

    Args:
        tenant_id (str):
        start (datetime.date | None | Unset): first UTC day (YYYY-MM-DD); default: 29 days before
            end
        end (datetime.date | None | Unset): last UTC day, included (YYYY-MM-DD); default: today

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | KpiReport
    """

    return (
        await asyncio_detailed(
            tenant_id=tenant_id,
            client=client,
            start=start,
            end=end,
        )
    ).parsed
