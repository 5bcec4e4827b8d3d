from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.export_offers_availability_type_0 import ExportOffersAvailabilityType0
from ...models.export_offers_format import ExportOffersFormat
from ...models.export_offers_geo_type_0 import ExportOffersGeoType0
from ...models.export_offers_sort import ExportOffersSort
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    gpu_type: None | str | Unset = UNSET,
    gpu_count: int | None | Unset = UNSET,
    gpu_count_exact: int | None | Unset = UNSET,
    gpu_memory_gb: float | None | Unset = UNSET,
    total_gpu_memory_gb: float | None | Unset = UNSET,
    region: None | str | Unset = UNSET,
    geo: ExportOffersGeoType0 | None | Unset = UNSET,
    country: None | str | Unset = UNSET,
    provider: None | str | Unset = UNSET,
    max_price: float | None | str | Unset = UNSET,
    max_price_per_gpu: float | None | str | Unset = UNSET,
    spot: bool | None | Unset = UNSET,
    availability: ExportOffersAvailabilityType0 | None | Unset = UNSET,
    tags: None | str | Unset = UNSET,
    q: None | str | Unset = UNSET,
    include_gpu_only: bool | Unset = False,
    sort: ExportOffersSort | Unset = ExportOffersSort.PRICE_ASC,
    page: int | Unset = 1,
    page_size: int | Unset = 20,
    cursor: None | str | Unset = UNSET,
    format_: ExportOffersFormat | Unset = ExportOffersFormat.CSV,
    limit: int | Unset = 10000,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_gpu_type: None | str | Unset
    if isinstance(gpu_type, Unset):
        json_gpu_type = UNSET
    else:
        json_gpu_type = gpu_type
    params["gpu_type"] = json_gpu_type

    json_gpu_count: int | None | Unset
    if isinstance(gpu_count, Unset):
        json_gpu_count = UNSET
    else:
        json_gpu_count = gpu_count
    params["gpu_count"] = json_gpu_count

    json_gpu_count_exact: int | None | Unset
    if isinstance(gpu_count_exact, Unset):
        json_gpu_count_exact = UNSET
    else:
        json_gpu_count_exact = gpu_count_exact
    params["gpu_count_exact"] = json_gpu_count_exact

    json_gpu_memory_gb: float | None | Unset
    if isinstance(gpu_memory_gb, Unset):
        json_gpu_memory_gb = UNSET
    else:
        json_gpu_memory_gb = gpu_memory_gb
    params["gpu_memory_gb"] = json_gpu_memory_gb

    json_total_gpu_memory_gb: float | None | Unset
    if isinstance(total_gpu_memory_gb, Unset):
        json_total_gpu_memory_gb = UNSET
    else:
        json_total_gpu_memory_gb = total_gpu_memory_gb
    params["total_gpu_memory_gb"] = json_total_gpu_memory_gb

    json_region: None | str | Unset
    if isinstance(region, Unset):
        json_region = UNSET
    else:
        json_region = region
    params["region"] = json_region

    json_geo: None | str | Unset
    if isinstance(geo, Unset):
        json_geo = UNSET
    elif isinstance(geo, ExportOffersGeoType0):
        json_geo = geo.value
    else:
        json_geo = geo
    params["geo"] = json_geo

    json_country: None | str | Unset
    if isinstance(country, Unset):
        json_country = UNSET
    else:
        json_country = country
    params["country"] = json_country

    json_provider: None | str | Unset
    if isinstance(provider, Unset):
        json_provider = UNSET
    else:
        json_provider = provider
    params["provider"] = json_provider

    json_max_price: float | None | str | Unset
    if isinstance(max_price, Unset):
        json_max_price = UNSET
    else:
        json_max_price = max_price
    params["max_price"] = json_max_price

    json_max_price_per_gpu: float | None | str | Unset
    if isinstance(max_price_per_gpu, Unset):
        json_max_price_per_gpu = UNSET
    else:
        json_max_price_per_gpu = max_price_per_gpu
    params["max_price_per_gpu"] = json_max_price_per_gpu

    json_spot: bool | None | Unset
    if isinstance(spot, Unset):
        json_spot = UNSET
    else:
        json_spot = spot
    params["spot"] = json_spot

    json_availability: None | str | Unset
    if isinstance(availability, Unset):
        json_availability = UNSET
    elif isinstance(availability, ExportOffersAvailabilityType0):
        json_availability = availability.value
    else:
        json_availability = availability
    params["availability"] = json_availability

    json_tags: None | str | Unset
    if isinstance(tags, Unset):
        json_tags = UNSET
    else:
        json_tags = tags
    params["tags"] = json_tags

    json_q: None | str | Unset
    if isinstance(q, Unset):
        json_q = UNSET
    else:
        json_q = q
    params["q"] = json_q

    params["include_gpu_only"] = include_gpu_only

    json_sort: str | Unset = UNSET
    if not isinstance(sort, Unset):
        json_sort = sort.value

    params["sort"] = json_sort

    params["page"] = page

    params["page_size"] = page_size

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    json_format_: str | Unset = UNSET
    if not isinstance(format_, Unset):
        json_format_ = format_.value

    params["format"] = json_format_

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/providers/export",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorEnvelope | str | None:
    if response.status_code == 200:
        response_200 = response.text
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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[ErrorEnvelope | str]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    gpu_type: None | str | Unset = UNSET,
    gpu_count: int | None | Unset = UNSET,
    gpu_count_exact: int | None | Unset = UNSET,
    gpu_memory_gb: float | None | Unset = UNSET,
    total_gpu_memory_gb: float | None | Unset = UNSET,
    region: None | str | Unset = UNSET,
    geo: ExportOffersGeoType0 | None | Unset = UNSET,
    country: None | str | Unset = UNSET,
    provider: None | str | Unset = UNSET,
    max_price: float | None | str | Unset = UNSET,
    max_price_per_gpu: float | None | str | Unset = UNSET,
    spot: bool | None | Unset = UNSET,
    availability: ExportOffersAvailabilityType0 | None | Unset = UNSET,
    tags: None | str | Unset = UNSET,
    q: None | str | Unset = UNSET,
    include_gpu_only: bool | Unset = False,
    sort: ExportOffersSort | Unset = ExportOffersSort.PRICE_ASC,
    page: int | Unset = 1,
    page_size: int | Unset = 20,
    cursor: None | str | Unset = UNSET,
    format_: ExportOffersFormat | Unset = ExportOffersFormat.CSV,
    limit: int | Unset = 10000,
) -> Response[ErrorEnvelope | str]:
    """Export offers as CSV or JSON (<= 10k rows)

    Args:
        gpu_type (None | str | Unset): GPU family or alias: H100, 'rtx 4090', 'A100 80GB'
        gpu_count (int | None | Unset): minimum GPUs per offer
        gpu_count_exact (int | None | Unset): exactly this many GPUs per offer (1: no 2x machines
            first)
        gpu_memory_gb (float | None | Unset): minimum memory per GPU, GB
        total_gpu_memory_gb (float | None | Unset): minimum GPU memory summed over the offer's
            GPUs, GB
        region (None | str | Unset): provider region, exact (case-insensitive)
        geo (ExportOffersGeoType0 | None | Unset): continent: na, sa, eu, asia, oceania, me, af
        country (None | str | Unset): ISO 3166-1 alpha-2
        provider (None | str | Unset): provider id, or several separated by commas
        max_price (float | None | str | Unset): maximum price per hour
        max_price_per_gpu (float | None | str | Unset): maximum price per GPU-hour
        spot (bool | None | Unset): true: only spot/interruptible; false: only on-demand
        availability (ExportOffersAvailabilityType0 | None | Unset):
        tags (None | str | Unset): comma separated; an offer must carry all
        q (None | str | Unset): full-text search on name and tags
        include_gpu_only (bool | Unset): also list prices of the GPUs alone (GCP: the host VM is
            billed on top); left out by default because they are not a machine's price Default: False.
        sort (ExportOffersSort | Unset):  Default: ExportOffersSort.PRICE_ASC.
        page (int | Unset):  Default: 1.
        page_size (int | Unset):  Default: 20.
        cursor (None | str | Unset): the next_cursor of the previous page: the page after it, read
            from the sort index at once however deep (keyset pagination). Keep the same sort; page
            must be 1
        format_ (ExportOffersFormat | Unset):  Default: ExportOffersFormat.CSV.
        limit (int | Unset): rows to export (at most 10,000) Default: 10000.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | str]
    """

    kwargs = _get_kwargs(
        gpu_type=gpu_type,
        gpu_count=gpu_count,
        gpu_count_exact=gpu_count_exact,
        gpu_memory_gb=gpu_memory_gb,
        total_gpu_memory_gb=total_gpu_memory_gb,
        region=region,
        geo=geo,
        country=country,
        provider=provider,
        max_price=max_price,
        max_price_per_gpu=max_price_per_gpu,
        spot=spot,
        availability=availability,
        tags=tags,
        q=q,
        include_gpu_only=include_gpu_only,
        sort=sort,
        page=page,
        page_size=page_size,
        cursor=cursor,
        format_=format_,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    gpu_type: None | str | Unset = UNSET,
    gpu_count: int | None | Unset = UNSET,
    gpu_count_exact: int | None | Unset = UNSET,
    gpu_memory_gb: float | None | Unset = UNSET,
    total_gpu_memory_gb: float | None | Unset = UNSET,
    region: None | str | Unset = UNSET,
    geo: ExportOffersGeoType0 | None | Unset = UNSET,
    country: None | str | Unset = UNSET,
    provider: None | str | Unset = UNSET,
    max_price: float | None | str | Unset = UNSET,
    max_price_per_gpu: float | None | str | Unset = UNSET,
    spot: bool | None | Unset = UNSET,
    availability: ExportOffersAvailabilityType0 | None | Unset = UNSET,
    tags: None | str | Unset = UNSET,
    q: None | str | Unset = UNSET,
    include_gpu_only: bool | Unset = False,
    sort: ExportOffersSort | Unset = ExportOffersSort.PRICE_ASC,
    page: int | Unset = 1,
    page_size: int | Unset = 20,
    cursor: None | str | Unset = UNSET,
    format_: ExportOffersFormat | Unset = ExportOffersFormat.CSV,
    limit: int | Unset = 10000,
) -> ErrorEnvelope | str | None:
    """Export offers as CSV or JSON (<= 10k rows)

    Args:
        gpu_type (None | str | Unset): GPU family or alias: H100, 'rtx 4090', 'A100 80GB'
        gpu_count (int | None | Unset): minimum GPUs per offer
        gpu_count_exact (int | None | Unset): exactly this many GPUs per offer (1: no 2x machines
            first)
        gpu_memory_gb (float | None | Unset): minimum memory per GPU, GB
        total_gpu_memory_gb (float | None | Unset): minimum GPU memory summed over the offer's
            GPUs, GB
        region (None | str | Unset): provider region, exact (case-insensitive)
        geo (ExportOffersGeoType0 | None | Unset): continent: na, sa, eu, asia, oceania, me, af
        country (None | str | Unset): ISO 3166-1 alpha-2
        provider (None | str | Unset): provider id, or several separated by commas
        max_price (float | None | str | Unset): maximum price per hour
        max_price_per_gpu (float | None | str | Unset): maximum price per GPU-hour
        spot (bool | None | Unset): true: only spot/interruptible; false: only on-demand
        availability (ExportOffersAvailabilityType0 | None | Unset):
        tags (None | str | Unset): comma separated; an offer must carry all
        q (None | str | Unset): full-text search on name and tags
        include_gpu_only (bool | Unset): also list prices of the GPUs alone (GCP: the host VM is
            billed on top); left out by default because they are not a machine's price Default: False.
        sort (ExportOffersSort | Unset):  Default: ExportOffersSort.PRICE_ASC.
        page (int | Unset):  Default: 1.
        page_size (int | Unset):  Default: 20.
        cursor (None | str | Unset): the next_cursor of the previous page: the page after it, read
            from the sort index at once however deep (keyset pagination). Keep the same sort; page
            must be 1
        format_ (ExportOffersFormat | Unset):  Default: ExportOffersFormat.CSV.
        limit (int | Unset): rows to export (at most 10,000) Default: 10000.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | str
    """

    return sync_detailed(
        client=client,
        gpu_type=gpu_type,
        gpu_count=gpu_count,
        gpu_count_exact=gpu_count_exact,
        gpu_memory_gb=gpu_memory_gb,
        total_gpu_memory_gb=total_gpu_memory_gb,
        region=region,
        geo=geo,
        country=country,
        provider=provider,
        max_price=max_price,
        max_price_per_gpu=max_price_per_gpu,
        spot=spot,
        availability=availability,
        tags=tags,
        q=q,
        include_gpu_only=include_gpu_only,
        sort=sort,
        page=page,
        page_size=page_size,
        cursor=cursor,
        format_=format_,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    gpu_type: None | str | Unset = UNSET,
    gpu_count: int | None | Unset = UNSET,
    gpu_count_exact: int | None | Unset = UNSET,
    gpu_memory_gb: float | None | Unset = UNSET,
    total_gpu_memory_gb: float | None | Unset = UNSET,
    region: None | str | Unset = UNSET,
    geo: ExportOffersGeoType0 | None | Unset = UNSET,
    country: None | str | Unset = UNSET,
    provider: None | str | Unset = UNSET,
    max_price: float | None | str | Unset = UNSET,
    max_price_per_gpu: float | None | str | Unset = UNSET,
    spot: bool | None | Unset = UNSET,
    availability: ExportOffersAvailabilityType0 | None | Unset = UNSET,
    tags: None | str | Unset = UNSET,
    q: None | str | Unset = UNSET,
    include_gpu_only: bool | Unset = False,
    sort: ExportOffersSort | Unset = ExportOffersSort.PRICE_ASC,
    page: int | Unset = 1,
    page_size: int | Unset = 20,
    cursor: None | str | Unset = UNSET,
    format_: ExportOffersFormat | Unset = ExportOffersFormat.CSV,
    limit: int | Unset = 10000,
) -> Response[ErrorEnvelope | str]:
    """Export offers as CSV or JSON (<= 10k rows)

    Args:
        gpu_type (None | str | Unset): GPU family or alias: H100, 'rtx 4090', 'A100 80GB'
        gpu_count (int | None | Unset): minimum GPUs per offer
        gpu_count_exact (int | None | Unset): exactly this many GPUs per offer (1: no 2x machines
            first)
        gpu_memory_gb (float | None | Unset): minimum memory per GPU, GB
        total_gpu_memory_gb (float | None | Unset): minimum GPU memory summed over the offer's
            GPUs, GB
        region (None | str | Unset): provider region, exact (case-insensitive)
        geo (ExportOffersGeoType0 | None | Unset): continent: na, sa, eu, asia, oceania, me, af
        country (None | str | Unset): ISO 3166-1 alpha-2
        provider (None | str | Unset): provider id, or several separated by commas
        max_price (float | None | str | Unset): maximum price per hour
        max_price_per_gpu (float | None | str | Unset): maximum price per GPU-hour
        spot (bool | None | Unset): true: only spot/interruptible; false: only on-demand
        availability (ExportOffersAvailabilityType0 | None | Unset):
        tags (None | str | Unset): comma separated; an offer must carry all
        q (None | str | Unset): full-text search on name and tags
        include_gpu_only (bool | Unset): also list prices of the GPUs alone (GCP: the host VM is
            billed on top); left out by default because they are not a machine's price Default: False.
        sort (ExportOffersSort | Unset):  Default: ExportOffersSort.PRICE_ASC.
        page (int | Unset):  Default: 1.
        page_size (int | Unset):  Default: 20.
        cursor (None | str | Unset): the next_cursor of the previous page: the page after it, read
            from the sort index at once however deep (keyset pagination). Keep the same sort; page
            must be 1
        format_ (ExportOffersFormat | Unset):  Default: ExportOffersFormat.CSV.
        limit (int | Unset): rows to export (at most 10,000) Default: 10000.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | str]
    """

    kwargs = _get_kwargs(
        gpu_type=gpu_type,
        gpu_count=gpu_count,
        gpu_count_exact=gpu_count_exact,
        gpu_memory_gb=gpu_memory_gb,
        total_gpu_memory_gb=total_gpu_memory_gb,
        region=region,
        geo=geo,
        country=country,
        provider=provider,
        max_price=max_price,
        max_price_per_gpu=max_price_per_gpu,
        spot=spot,
        availability=availability,
        tags=tags,
        q=q,
        include_gpu_only=include_gpu_only,
        sort=sort,
        page=page,
        page_size=page_size,
        cursor=cursor,
        format_=format_,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    gpu_type: None | str | Unset = UNSET,
    gpu_count: int | None | Unset = UNSET,
    gpu_count_exact: int | None | Unset = UNSET,
    gpu_memory_gb: float | None | Unset = UNSET,
    total_gpu_memory_gb: float | None | Unset = UNSET,
    region: None | str | Unset = UNSET,
    geo: ExportOffersGeoType0 | None | Unset = UNSET,
    country: None | str | Unset = UNSET,
    provider: None | str | Unset = UNSET,
    max_price: float | None | str | Unset = UNSET,
    max_price_per_gpu: float | None | str | Unset = UNSET,
    spot: bool | None | Unset = UNSET,
    availability: ExportOffersAvailabilityType0 | None | Unset = UNSET,
    tags: None | str | Unset = UNSET,
    q: None | str | Unset = UNSET,
    include_gpu_only: bool | Unset = False,
    sort: ExportOffersSort | Unset = ExportOffersSort.PRICE_ASC,
    page: int | Unset = 1,
    page_size: int | Unset = 20,
    cursor: None | str | Unset = UNSET,
    format_: ExportOffersFormat | Unset = ExportOffersFormat.CSV,
    limit: int | Unset = 10000,
) -> ErrorEnvelope | str | None:
    """Export offers as CSV or JSON (<= 10k rows)

    Args:
        gpu_type (None | str | Unset): GPU family or alias: H100, 'rtx 4090', 'A100 80GB'
        gpu_count (int | None | Unset): minimum GPUs per offer
        gpu_count_exact (int | None | Unset): exactly this many GPUs per offer (1: no 2x machines
            first)
        gpu_memory_gb (float | None | Unset): minimum memory per GPU, GB
        total_gpu_memory_gb (float | None | Unset): minimum GPU memory summed over the offer's
            GPUs, GB
        region (None | str | Unset): provider region, exact (case-insensitive)
        geo (ExportOffersGeoType0 | None | Unset): continent: na, sa, eu, asia, oceania, me, af
        country (None | str | Unset): ISO 3166-1 alpha-2
        provider (None | str | Unset): provider id, or several separated by commas
        max_price (float | None | str | Unset): maximum price per hour
        max_price_per_gpu (float | None | str | Unset): maximum price per GPU-hour
        spot (bool | None | Unset): true: only spot/interruptible; false: only on-demand
        availability (ExportOffersAvailabilityType0 | None | Unset):
        tags (None | str | Unset): comma separated; an offer must carry all
        q (None | str | Unset): full-text search on name and tags
        include_gpu_only (bool | Unset): also list prices of the GPUs alone (GCP: the host VM is
            billed on top); left out by default because they are not a machine's price Default: False.
        sort (ExportOffersSort | Unset):  Default: ExportOffersSort.PRICE_ASC.
        page (int | Unset):  Default: 1.
        page_size (int | Unset):  Default: 20.
        cursor (None | str | Unset): the next_cursor of the previous page: the page after it, read
            from the sort index at once however deep (keyset pagination). Keep the same sort; page
            must be 1
        format_ (ExportOffersFormat | Unset):  Default: ExportOffersFormat.CSV.
        limit (int | Unset): rows to export (at most 10,000) Default: 10000.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | str
    """

    return (
        await asyncio_detailed(
            client=client,
            gpu_type=gpu_type,
            gpu_count=gpu_count,
            gpu_count_exact=gpu_count_exact,
            gpu_memory_gb=gpu_memory_gb,
            total_gpu_memory_gb=total_gpu_memory_gb,
            region=region,
            geo=geo,
            country=country,
            provider=provider,
            max_price=max_price,
            max_price_per_gpu=max_price_per_gpu,
            spot=spot,
            availability=availability,
            tags=tags,
            q=q,
            include_gpu_only=include_gpu_only,
            sort=sort,
            page=page,
            page_size=page_size,
            cursor=cursor,
            format_=format_,
            limit=limit,
        )
    ).parsed
