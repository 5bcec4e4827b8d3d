from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.thread_run_join_stream_response_200 import ThreadRunJoinStreamResponse200
from ...types import UNSET, Response, Unset


def _get_kwargs(
    thread_id: str,
    run_id: str,
    *,
    stream_mode: list[str] | None | Unset = UNSET,
    cancel_on_disconnect: str | Unset = "0",
    last_event_id: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(last_event_id, Unset):
        headers["Last-Event-ID"] = last_event_id

    params: dict[str, Any] = {}

    json_stream_mode: list[str] | None | Unset
    if isinstance(stream_mode, Unset):
        json_stream_mode = UNSET
    elif isinstance(stream_mode, list):
        json_stream_mode = stream_mode

    else:
        json_stream_mode = stream_mode
    params["stream_mode"] = json_stream_mode

    params["cancel_on_disconnect"] = cancel_on_disconnect

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/threads/{thread_id}/runs/{run_id}/stream".format(
            thread_id=quote(str(thread_id), safe=""),
            run_id=quote(str(run_id), safe=""),
        ),
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | ThreadRunJoinStreamResponse200 | None:
    if response.status_code == 200:
        response_200 = ThreadRunJoinStreamResponse200.from_dict(response.text)

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
) -> Response[ErrorEnvelope | ThreadRunJoinStreamResponse200]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    thread_id: str,
    run_id: str,
    *,
    client: AuthenticatedClient,
    stream_mode: list[str] | None | Unset = UNSET,
    cancel_on_disconnect: str | Unset = "0",
    last_event_id: None | str | Unset = UNSET,
) -> Response[ErrorEnvelope | ThreadRunJoinStreamResponse200]:
    """Thread Run Join Stream

    Args:
        thread_id (str):
        run_id (str):
        stream_mode (list[str] | None | Unset):
        cancel_on_disconnect (str | Unset):  Default: '0'.
        last_event_id (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | ThreadRunJoinStreamResponse200]
    """

    kwargs = _get_kwargs(
        thread_id=thread_id,
        run_id=run_id,
        stream_mode=stream_mode,
        cancel_on_disconnect=cancel_on_disconnect,
        last_event_id=last_event_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    thread_id: str,
    run_id: str,
    *,
    client: AuthenticatedClient,
    stream_mode: list[str] | None | Unset = UNSET,
    cancel_on_disconnect: str | Unset = "0",
    last_event_id: None | str | Unset = UNSET,
) -> ErrorEnvelope | ThreadRunJoinStreamResponse200 | None:
    """Thread Run Join Stream

    Args:
        thread_id (str):
        run_id (str):
        stream_mode (list[str] | None | Unset):
        cancel_on_disconnect (str | Unset):  Default: '0'.
        last_event_id (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | ThreadRunJoinStreamResponse200
    """

    return sync_detailed(
        thread_id=thread_id,
        run_id=run_id,
        client=client,
        stream_mode=stream_mode,
        cancel_on_disconnect=cancel_on_disconnect,
        last_event_id=last_event_id,
    ).parsed


async def asyncio_detailed(
    thread_id: str,
    run_id: str,
    *,
    client: AuthenticatedClient,
    stream_mode: list[str] | None | Unset = UNSET,
    cancel_on_disconnect: str | Unset = "0",
    last_event_id: None | str | Unset = UNSET,
) -> Response[ErrorEnvelope | ThreadRunJoinStreamResponse200]:
    """Thread Run Join Stream

    Args:
        thread_id (str):
        run_id (str):
        stream_mode (list[str] | None | Unset):
        cancel_on_disconnect (str | Unset):  Default: '0'.
        last_event_id (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | ThreadRunJoinStreamResponse200]
    """

    kwargs = _get_kwargs(
        thread_id=thread_id,
        run_id=run_id,
        stream_mode=stream_mode,
        cancel_on_disconnect=cancel_on_disconnect,
        last_event_id=last_event_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    thread_id: str,
    run_id: str,
    *,
    client: AuthenticatedClient,
    stream_mode: list[str] | None | Unset = UNSET,
    cancel_on_disconnect: str | Unset = "0",
    last_event_id: None | str | Unset = UNSET,
) -> ErrorEnvelope | ThreadRunJoinStreamResponse200 | None:
    """Thread Run Join Stream

    Args:
        thread_id (str):
        run_id (str):
        stream_mode (list[str] | None | Unset):
        cancel_on_disconnect (str | Unset):  Default: '0'.
        last_event_id (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | ThreadRunJoinStreamResponse200
    """

    return (
        await asyncio_detailed(
            thread_id=thread_id,
            run_id=run_id,
            client=client,
            stream_mode=stream_mode,
            cancel_on_disconnect=cancel_on_disconnect,
            last_event_id=last_event_id,
        )
    ).parsed
