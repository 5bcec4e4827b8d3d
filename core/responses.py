"""Fast JSON responses for payloads that are already plain data (search pages, cached results)."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import Response


def json_response(content: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(content, default=str),
        status_code=status_code,
        media_type="application/json",
        headers=headers,
    )
