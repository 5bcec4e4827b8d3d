"""One error type and one JSON envelope for every 4xx/5xx the API returns.

Domain errors subclass :class:`AppError` next to the service that raises them; the handlers here
turn them, FastAPI's validation errors and anything unexpected into
``{"error": {"code", "message", "details", "trace_id"}}``.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.tracing import current_trace_id, response_headers

log = logging.getLogger(__name__)


class AppError(Exception):
    """An error a client can act on; ``status`` is the HTTP status it maps to."""

    code = "app_error"
    status = 400

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.details = details


class NotFound(AppError):
    code = "not_found"
    status = 404


class Unauthorized(AppError):
    code = "unauthorized"
    status = 401


class Forbidden(AppError):
    code = "forbidden"
    status = 403


class TooManyRequests(AppError):
    """429; ``retry_after_s`` becomes the Retry-After header."""

    code = "rate_limited"
    status = 429

    def __init__(self, message: str, *, retry_after_s: float, code: str | None = None, details: Any = None):
        super().__init__(message, code=code, details=details)
        self.retry_after_s = retry_after_s


class Conflict(AppError):
    code = "conflict"
    status = 409


class InvalidInput(AppError):
    code = "invalid_input"
    status = 422


def error_headers(exc: AppError) -> dict[str, str] | None:
    if isinstance(exc, TooManyRequests):
        # Retry-After is whole seconds; rounding down would invite a retry that fails again.
        return {"Retry-After": str(max(1, math.ceil(exc.retry_after_s)))}
    if isinstance(exc, Unauthorized):
        return {"WWW-Authenticate": "Bearer"}
    return None


def envelope(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details, "trace_id": current_trace_id()}}


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    # FastAPI prefixes locations with where the value came from ("query", "body"); people want the name.
    parts = [str(p) for p in loc if p not in ("query", "body", "path", "header")]
    return ".".join(parts) or "request"


def validation_details(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for err in errors:
        field = _field_name(err.get("loc", ()))
        msg = err.get("msg", "invalid value")
        if err.get("type") == "extra_forbidden":
            msg = "unknown parameter"
        out.append({"field": field, "message": msg, "type": err.get("type")})
    return out


DATABASE_RETRY_AFTER_S = 5


def database_unavailable(exc: BaseException) -> bool:
    """True for the database being away (refused, restarting, dropped connections, an exhausted pool),
    which deserves 503 + Retry-After; False for the errors of a statement (SQLite's "database is
    locked" is a conflict its callers map themselves)."""
    if isinstance(exc, PoolTimeout):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, (OperationalError, InterfaceError)):
        text = str(exc.orig if exc.orig is not None else exc).lower()
        return "locked" not in text
    return False


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_: Request, exc: AppError) -> JSONResponse:
        return JSONResponse(
            envelope(exc.code, exc.message, exc.details), status_code=exc.status, headers=error_headers(exc)
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = validation_details(list(exc.errors()))
        fields = ", ".join(dict.fromkeys(d["field"] for d in details))
        first = details[0] if details else {"field": "request", "message": "invalid"}
        message = f"invalid {fields}: {first['message']}" if details else "invalid request"
        return JSONResponse(envelope("validation_error", message, details), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {
            404: "not_found",
            405: "method_not_allowed",
            401: "unauthorized",
            403: "forbidden",
            413: "payload_too_large",
        }.get(exc.status_code, "http_error")
        return JSONResponse(
            envelope(code, str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(DataError)
    async def _data(_: Request, exc: DataError) -> JSONResponse:
        # A value the database cannot store or compare (a NUL character in text on PostgreSQL, a number
        # out of a column's range): the client's input, not our failure. The statement is not echoed.
        log.info("database refused a value: %s", type(exc.orig).__name__ if exc.orig else "DataError")
        message = (
            "a value in the request cannot be stored (for example a NUL character or an out-of-range number)"
        )
        return JSONResponse(envelope("invalid_value", message, [{"field": "request"}]), status_code=422)

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(PoolTimeout)
    async def _database(request: Request, exc: Exception) -> JSONResponse:
        if not database_unavailable(exc):
            return await _unexpected(request, exc)
        log.warning("database unavailable: %s", type(getattr(exc, "orig", None) or exc).__name__)
        return JSONResponse(
            envelope("database_unavailable", "the database is unavailable; try again in a few seconds"),
            status_code=503,
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_S)},
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        # Runs outside the middlewares (Starlette's ServerErrorMiddleware), so the trace headers that the
        # observability middleware adds to every other response are added here.
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse(
            envelope("internal_error", "internal server error"), status_code=500, headers=response_headers()
        )
