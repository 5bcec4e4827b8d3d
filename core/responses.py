"""Response classes: fast JSON for payloads that are already plain data (search pages, cached results),
and server-sent event streams.

Every SSE stream is an :class:`EventStream`, sse-starlette's ``EventSourceResponse``: the producer yields
:func:`sse_event` objects (or ready frames as bytes) and the response frames them (one ``data:`` line per line
of the data, ``id:``/``event:`` without line breaks), sends a comment line (``: ping``) after
``sse_ping_s`` seconds without one, and stops the producer as soon as the client hangs up (it listens for
``http.disconnect`` while it streams: the generator is cancelled at the ``await`` it waits on and its
``finally`` runs), not at the next write. Lines end with ``\\n``, the byte form the LangGraph clients and the
pages have always read.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Mapping, Sequence
from typing import Any

import orjson
from fastapi.responses import Response
from sse_starlette import EventSourceResponse, ServerSentEvent

SEP = "\n"


def json_response(content: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(content, default=str),
        status_code=status_code,
        media_type="application/json",
        headers=headers,
    )


def sse_event(
    data: str | None = None, *, event: str | None = None, id: str | int | None = None
) -> ServerSentEvent:
    """One server-sent event with ``\\n`` line ends (sse-starlette's default is ``\\r\\n``)."""
    return ServerSentEvent(data, event=event, id=None if id is None else str(id), sep=SEP)


def retry(ms: int) -> ServerSentEvent:
    """The reconnection delay hint that ``EventSource`` obeys."""
    return ServerSentEvent(retry=ms, sep=SEP)


class EventStream(EventSourceResponse):
    """Server-sent events. As a route's ``response_class`` it documents ``text/event-stream`` as the
    success answer's only media type (a plain ``StreamingResponse`` would be documented as JSON).

    ``ping`` is the heartbeat period in seconds (``Settings.sse_ping_s``; 0: none). Proxies must not buffer
    nor cache the stream: ``Cache-Control: no-cache`` and ``X-Accel-Buffering: no`` are always sent."""

    media_type = "text/event-stream"

    def __init__(
        self,
        content: AsyncIterable[ServerSentEvent | bytes],
        status_code: int = 200,  # FastAPI's OpenAPI reads the documented status from this default
        *,
        ping: float,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(
            content,
            status_code,
            headers={"Cache-Control": "no-cache", **(headers or {})},
            ping=ping,
            sep=SEP,
            ping_message_factory=_ping,
        )


def _ping() -> ServerSentEvent:
    return ServerSentEvent(comment="ping", sep=SEP)


def event_stream(description: str, events: Sequence[str]) -> dict[int | str, dict[str, Any]]:
    """A streaming route's ``responses=``: its 200 is ``text/event-stream``, each event one of ``events``
    with one JSON value as its data (before OpenAPI 3.2 a stream's ``schema`` describes each event)."""
    event = {
        "type": "object",
        "required": ["event", "data"],
        "properties": {
            "event": {"enum": list(events)},
            "data": {"type": "string", "contentMediaType": "application/json"},
        },
    }
    return {200: {"description": description, "content": {"text/event-stream": {"schema": event}}}}
