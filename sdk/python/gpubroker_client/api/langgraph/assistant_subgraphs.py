from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.assistant_subgraphs_response_assistant_subgraphs_assistants_assistant_id_subgraphs_get import (
    AssistantSubgraphsResponseAssistantSubgraphsAssistantsAssistantIdSubgraphsGet,
)
from ...models.error_envelope import ErrorEnvelope
from ...types import Response


def _get_kwargs(
    assistant_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/assistants/{assistant_id}/subgraphs".format(
            assistant_id=quote(str(assistant_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AssistantSubgraphsResponseAssistantSubgraphsAssistantsAssistantIdSubgraphsGet | ErrorEnvelope | None:
    if response.status_code == 200:
        response_200 = AssistantSubgraphsResponseAssistantSubgraphsAssistantsAssistantIdSubgraphsGet.from_dict(
            response.json()
        )

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
) -> Response[AssistantSubgraphsResponseAssistantSubgraphsAssistantsAssistantIdSubgraphsGet | ErrorEnvelope]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    assistant_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[AssistantSubgraphsResponseAssistantSubgraphsAssistantsAssistantIdSubgraphsGet | ErrorEnvelope]:
    """Assistant Subgraphs

    Args:
        assistant_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AssistantSubgraphsResponseAssistantSubgraphsAssistantsAssistantIdSubgraphsGet | ErrorEnvelope]
    """

    kwargs = _get_kwargs(
        assistant_id=assistant_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    assistant_id: str,
    *,
    client: AuthenticatedClient,
) -> AssistantSubgraphsResponseAssistantSubgraphsAssistantsAssistantIdSubgraphsGet | ErrorEnvelope | None:
    """Assistant Subgraphs

    Args:
        assistant_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AssistantSubgraphsResponseAssistantSubgraphsAssistantsAssistantIdSubgraphsGet | ErrorEnvelope
    """

    return sync_detailed(
        assistant_id=assistant_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    assistant_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[AssistantSubgraphsResponseAssistantSubgraphsAssistantsAssistantIdSubgraphsGet | ErrorEnvelope]:
    """Assistant Subgraphs

    Args:
        assistant_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AssistantSubgraphsResponseAssistantSubgraphsAssistantsAssistantIdSubgraphsGet | ErrorEnvelope]
    """

    kwargs = _get_kwargs(
        assistant_id=assistant_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    assistant_id: str,
    *,
    client: AuthenticatedClient,
) -> AssistantSubgraphsResponseAssistantSubgraphsAssistantsAssistantIdSubgraphsGet | ErrorEnvelope | None:
    """Assistant Subgraphs

    Args:
        assistant_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AssistantSubgraphsResponseAssistantSubgraphsAssistantsAssistantIdSubgraphsGet | ErrorEnvelope
    """

    return (
        await asyncio_detailed(
            assistant_id=assistant_id,
            client=client,
        )
    ).parsed
