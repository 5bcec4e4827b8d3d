from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.alert_create import AlertCreate
from ...models.alert_created import AlertCreated
from ...models.error_envelope import ErrorEnvelope
from ...types import Response


def _get_kwargs(
    *,
    body: AlertCreate,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/alerts",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AlertCreated | ErrorEnvelope | None:
    if response.status_code == 201:
        response_201 = AlertCreated.from_dict(response.json())

        return response_201

    if response.status_code == 401:
        response_401 = ErrorEnvelope.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorEnvelope.from_dict(response.json())

        return response_403

    if response.status_code == 409:
        response_409 = ErrorEnvelope.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = ErrorEnvelope.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = ErrorEnvelope.from_dict(response.json())

        return response_415

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
) -> Response[AlertCreated | ErrorEnvelope]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: AlertCreate,
) -> Response[AlertCreated | ErrorEnvelope]:
    """Save a search with a price threshold

    Args:
        body (AlertCreate): A saved search and a threshold: "8x H100 in the EU at or below $16/h"
            is ``{"filters":
            {"gpu_type": "H100", "gpu_count_exact": 8, "geo": "eu"}, "threshold": 16, "per":
            "hour"}``; "any H100
            at or below $2/GPU-h" is ``{"filters": {"gpu_type": "H100"}, "threshold": 2, "per":
            "gpu_hour"}``.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AlertCreated | ErrorEnvelope]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: AlertCreate,
) -> AlertCreated | ErrorEnvelope | None:
    """Save a search with a price threshold

    Args:
        body (AlertCreate): A saved search and a threshold: "8x H100 in the EU at or below $16/h"
            is ``{"filters":
            {"gpu_type": "H100", "gpu_count_exact": 8, "geo": "eu"}, "threshold": 16, "per":
            "hour"}``; "any H100
            at or below $2/GPU-h" is ``{"filters": {"gpu_type": "H100"}, "threshold": 2, "per":
            "gpu_hour"}``.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AlertCreated | ErrorEnvelope
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: AlertCreate,
) -> Response[AlertCreated | ErrorEnvelope]:
    """Save a search with a price threshold

    Args:
        body (AlertCreate): A saved search and a threshold: "8x H100 in the EU at or below $16/h"
            is ``{"filters":
            {"gpu_type": "H100", "gpu_count_exact": 8, "geo": "eu"}, "threshold": 16, "per":
            "hour"}``; "any H100
            at or below $2/GPU-h" is ``{"filters": {"gpu_type": "H100"}, "threshold": 2, "per":
            "gpu_hour"}``.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AlertCreated | ErrorEnvelope]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: AlertCreate,
) -> AlertCreated | ErrorEnvelope | None:
    """Save a search with a price threshold

    Args:
        body (AlertCreate): A saved search and a threshold: "8x H100 in the EU at or below $16/h"
            is ``{"filters":
            {"gpu_type": "H100", "gpu_count_exact": 8, "geo": "eu"}, "threshold": 16, "per":
            "hour"}``; "any H100
            at or below $2/GPU-h" is ``{"filters": {"gpu_type": "H100"}, "threshold": 2, "per":
            "gpu_hour"}``.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AlertCreated | ErrorEnvelope
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
