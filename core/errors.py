"""One error type and one JSON envelope for every 4xx/5xx the API returns.

Domain errors subclass :class:`AppError` next to the service that raises them; the handlers here
turn them, FastAPI's validation errors and anything unexpected into
``{"error": {"code", "message", "details", "trace_id"}}``. A browser (a request whose ``Accept``
prefers ``text/html``) gets the same error as a page instead, when the app gives a page renderer
(``web.errors``: core renders no HTML itself); API clients always get the envelope.
"""

from __future__ import annotations

import logging
import math
import traceback
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.tracing import current_trace_id, new_trace_id, response_headers

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


class ErrorBody(BaseModel):
    """What went wrong, for a person (``message``) and for code (``code``, ``details``)."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="stable, machine-readable, e.g. `not_found`, `validation_error`")
    message: str = Field(description="for a person; names the bad field where there is one")
    details: Any = Field(description="structured context: the fields at fault, limits, ids; or null")
    trace_id: str = Field(
        pattern="^[0-9a-f]{32}$", description="the request's W3C trace id, also in the `X-Trace-Id` header"
    )


class ErrorEnvelope(BaseModel):
    """The body of every 4xx and 5xx answer of the API (the OpenAPI component ``ErrorEnvelope``)."""

    model_config = ConfigDict(extra="forbid")

    error: ErrorBody


def envelope(code: str, message: str, details: Any = None) -> dict[str, Any]:
    # Every HTTP request runs in a trace (core.observability); outside one (a WebSocket close, a job) a
    # fresh id still gives the client something to quote, and the documented schema stays true.
    trace_id = current_trace_id() or new_trace_id()
    return {"error": {"code": code, "message": message, "details": details, "trace_id": trace_id}}


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    # FastAPI prefixes locations with where the value came from ("query", "body"); people want the name.
    parts = [str(p) for p in loc if p not in ("query", "body", "path", "header")]
    return ".".join(parts) or "request"


def validation_details(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for err in errors:
        # A JSON syntax error's location is ("body", <character offset>): the field is the body itself.
        field = "body" if err.get("type") == "json_invalid" else _field_name(err.get("loc", ()))
        msg = err.get("msg", "invalid value")
        if err.get("type") == "extra_forbidden":
            msg = "unknown parameter"
        out.append({"field": field, "message": msg, "type": err.get("type")})
    return out


DATABASE_RETRY_AFTER_S = 5

#: Renders an error for a browser: (request, status, envelope, headers) -> an HTML response.
PageRenderer = Callable[[Request, int, dict[str, Any], dict[str, str] | None], Response]


def _media_quality(accept: str, wanted: str) -> float:
    """The quality ``accept`` gives to ``wanted`` (a ``type/subtype``) by its most specific range."""
    best, specificity = 0.0, -1
    kind = wanted.split("/", 1)[0]
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        media = media.lower()
        if media == wanted:
            rank = 2
        elif media == f"{kind}/*":
            rank = 1
        elif media == "*/*":
            rank = 0
        else:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if rank > specificity:
            best, specificity = q, rank
    return best


def prefers_html(accept: str | None) -> bool:
    """True when the client names HTML and likes it at least as much as JSON (a browser's navigation);
    ``*/*`` alone (curl, scripts, SDKs), JSON first or no Accept at all keep the JSON envelope."""
    if not accept or "text/html" not in accept.lower():
        return False
    html = _media_quality(accept, "text/html")
    return html > 0 and html >= _media_quality(accept, "application/json")


def database_unavailable(exc: BaseException) -> bool:
    """True for the database being away (refused, restarting, dropped connections, an exhausted pool),
    which deserves 503 + Retry-After; False for the errors of a statement (SQLite's "database is
    locked" is contention for its one writer: :func:`sqlite_busy`, a 503 of its own)."""
    if isinstance(exc, PoolTimeout):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, (OperationalError, InterfaceError)):
        text = str(exc.orig if exc.orig is not None else exc).lower()
        return "locked" not in text
    return False


def sqlite_busy(exc: BaseException) -> bool:
    """SQLite's "database is locked" (or "busy"): contention for its single writer, not an outage."""
    if not isinstance(exc, OperationalError) or exc.orig is None:
        return False
    return type(exc.orig).__module__ == "sqlite3" and any(
        w in str(exc.orig).lower() for w in ("locked", "busy")
    )


def raised_by_database_driver(exc: BaseException) -> bool:
    """True when ``exc`` came out of SQLAlchemy executing a statement (the driver refused a parameter)."""
    return any(
        frame.f_globals.get("__name__", "").startswith("sqlalchemy.engine")
        for frame, _ in traceback.walk_tb(exc.__traceback__)
    )


def install_error_handlers(app: FastAPI, page: PageRenderer | None = None) -> None:
    """The handlers; ``page`` renders the error for browsers (see :func:`prefers_html`)."""

    def answer(
        request: Request, body: dict[str, Any], status: int, headers: dict[str, str] | None = None
    ) -> Response:
        if page is not None and prefers_html(request.headers.get("accept")):
            try:
                return page(request, status, body, headers)
            except Exception:  # a page that cannot render must not hide the error it reports
                log.exception("error page failed to render")
        return JSONResponse(body, status_code=status, headers=headers)

    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> Response:
        return answer(request, envelope(exc.code, exc.message, exc.details), exc.status, error_headers(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        if (
            isinstance(exc.body, bytes)
            and exc.body
            and any(e.get("loc", ())[:1] == ("body",) for e in errors)
        ):
            # FastAPI hands the route the raw bytes when the Content-Type is not JSON; the fields it then
            # finds missing are not the client's mistake, the media type is.
            message = "send the request body as JSON (Content-Type: application/json)"
            return JSONResponse(
                envelope("unsupported_media_type", message, [{"field": "Content-Type"}]), status_code=415
            )
        details = validation_details(errors)
        fields = ", ".join(dict.fromkeys(d["field"] for d in details))
        first = details[0] if details else {"field": "request", "message": "invalid"}
        message = f"invalid {fields}: {first['message']}" if details else "invalid request"
        return JSONResponse(envelope("validation_error", message, details), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
            # FastAPI's answer to a body it cannot decode (bytes that are not UTF-8): as a JSON syntax error
            # is, a 422 naming the body.
            message = "invalid body: it is not valid JSON in UTF-8"
            details = [{"field": "body", "message": "not valid JSON in UTF-8", "type": "json_invalid"}]
            return JSONResponse(envelope("validation_error", message, details), status_code=422)
        code = {
            404: "not_found",
            405: "method_not_allowed",
            401: "unauthorized",
            403: "forbidden",
            413: "payload_too_large",
        }.get(exc.status_code, "http_error")
        return answer(
            request, envelope(code, str(exc.detail)), exc.status_code, getattr(exc, "headers", None)
        )

    def _refused_value() -> JSONResponse:
        message = (
            "a value in the request cannot be stored (for example a NUL character or an out-of-range number)"
        )
        return JSONResponse(envelope("invalid_value", message, [{"field": "request"}]), status_code=422)

    @app.exception_handler(DataError)
    async def _data(_: Request, exc: DataError) -> JSONResponse:
        # A value the database cannot store or compare (a NUL character in text on PostgreSQL, a number
        # out of a column's range): the client's input, not our failure. The statement is not echoed.
        log.info("database refused a value: %s", type(exc.orig).__name__ if exc.orig else "DataError")
        return _refused_value()

    @app.exception_handler(OverflowError)
    async def _overflow(request: Request, exc: OverflowError) -> Response:
        # SQLite's driver refuses an integer over 64 bits with a bare OverflowError, not a DataError: the
        # same client input. An overflow anywhere else is a failure of ours.
        if not raised_by_database_driver(exc):
            return await _unexpected(request, exc)
        log.info("database refused a value: OverflowError")
        return _refused_value()

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(PoolTimeout)
    async def _database(request: Request, exc: Exception) -> Response:
        if sqlite_busy(exc):
            # Another connection held SQLite's one write lock past the busy timeout, or wrote since this
            # transaction read: nothing was written, and the same request can succeed a moment later.
            log.warning("database busy: SQLite's write lock was taken")
            return answer(
                request,
                envelope("database_busy", "the database is busy with another write; try again in a moment"),
                503,
                {"Retry-After": "1"},
            )
        if not database_unavailable(exc):
            return await _unexpected(request, exc)
        log.warning("database unavailable: %s", type(getattr(exc, "orig", None) or exc).__name__)
        return answer(
            request,
            envelope("database_unavailable", "the database is unavailable; try again in a few seconds"),
            503,
            {"Retry-After": str(DATABASE_RETRY_AFTER_S)},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # Runs outside the middlewares (Starlette's ServerErrorMiddleware), so the trace headers that the
        # observability middleware adds to every other response are added here. The page shows the
        # trace id to quote, never the exception (it stays in the log).
        log.exception("unhandled error", exc_info=exc)
        return answer(request, envelope("internal_error", "internal server error"), 500, response_headers())
