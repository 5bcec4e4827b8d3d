"""Response classes: fast JSON for payloads that are already plain data (search pages, cached results),
and server-sent event streams."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from fastapi.responses import Response, StreamingResponse


def json_response(content: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(content, default=str),
        status_code=status_code,
        media_type="application/json",
        headers=headers,
    )


class EventStream(StreamingResponse):
    """Server-sent events. As a route's ``response_class`` it documents ``text/event-stream`` as the
    success answer's only media type (a plain ``StreamingResponse`` would be documented as JSON)."""

    media_type = "text/event-stream"


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
