from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.killbill_event_event import KillbillEventEvent
from ...models.killbill_event_response_killbill_event_billing_killbill_events_post import (
    KillbillEventResponseKillbillEventBillingKillbillEventsPost,
)
from ...types import Response


def _get_kwargs(
    *,
    body: KillbillEventEvent,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/billing/killbill/events",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | KillbillEventResponseKillbillEventBillingKillbillEventsPost | None:
    if response.status_code == 200:
        response_200 = KillbillEventResponseKillbillEventBillingKillbillEventsPost.from_dict(response.json())

        return response_200

    if response.status_code == 404:
        response_404 = ErrorEnvelope.from_dict(response.json())

        return response_404

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

    if response.status_code == 502:
        response_502 = ErrorEnvelope.from_dict(response.json())

        return response_502

    if response.status_code == 503:
        response_503 = ErrorEnvelope.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorEnvelope | KillbillEventResponseKillbillEventBillingKillbillEventsPost]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: KillbillEventEvent,
) -> Response[ErrorEnvelope | KillbillEventResponseKillbillEventBillingKillbillEventsPost]:
    """Kill Bill's push notifications: a paid invoice is read back from Kill Bill and recorded

    Args:
        body (KillbillEventEvent):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | KillbillEventResponseKillbillEventBillingKillbillEventsPost]
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
    client: AuthenticatedClient | Client,
    body: KillbillEventEvent,
) -> ErrorEnvelope | KillbillEventResponseKillbillEventBillingKillbillEventsPost | None:
    """Kill Bill's push notifications: a paid invoice is read back from Kill Bill and recorded

    Args:
        body (KillbillEventEvent):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | KillbillEventResponseKillbillEventBillingKillbillEventsPost
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: KillbillEventEvent,
) -> Response[ErrorEnvelope | KillbillEventResponseKillbillEventBillingKillbillEventsPost]:
    """Kill Bill's push notifications: a paid invoice is read back from Kill Bill and recorded

    Args:
        body (KillbillEventEvent):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | KillbillEventResponseKillbillEventBillingKillbillEventsPost]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: KillbillEventEvent,
) -> ErrorEnvelope | KillbillEventResponseKillbillEventBillingKillbillEventsPost | None:
    """Kill Bill's push notifications: a paid invoice is read back from Kill Bill and recorded

    Args:
        body (KillbillEventEvent):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | KillbillEventResponseKillbillEventBillingKillbillEventsPost
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
