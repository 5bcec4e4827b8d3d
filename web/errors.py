"""Error pages: the API's errors as a browser sees them.

``core.errors`` answers every error with the JSON envelope; when the request prefers HTML (a browser's
navigation, see ``core.errors.prefers_html``) it asks :func:`error_page` instead, which renders the same
error in the site's layout: what happened in words, where to go next, and the trace id to quote. A 500
never shows the exception, which stays in the log under that trace id.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse

from core.errors import envelope
from web.routes import templates

# (title, what to tell the person) by status; other statuses use the envelope's message.
EXPLAINED: dict[int, tuple[str, str]] = {
    401: (
        "Sign in needed",
        "This address needs a sign-in. Pages sign in with the form; API calls send an access token "
        "(Authorization: Bearer).",
    ),
    403: ("Not allowed", "Your account may not open this page. Ask one of your team's admins."),
    404: ("Page not found", "There is no page at this address. The link may be mistyped or out of date."),
    405: ("Not available", "This address does not answer that kind of request."),
    500: (
        "Something went wrong",
        "The error is on our side, not yours. Try again in a moment; if it keeps happening, tell us the "
        "trace id below.",
    ),
    503: ("Temporarily unavailable", "The service is briefly unavailable. Try again in a few seconds."),
}


def error_page(
    request: Request, status: int, body: dict[str, Any], headers: dict[str, str] | None
) -> HTMLResponse:
    error = body["error"]
    title, explanation = EXPLAINED.get(status, ("Request refused", str(error["message"])))
    context = {
        "active": None,
        "status": status,
        "title": title,
        "explanation": explanation,
        # The envelope's own words add something only for a 403 (which rule) or an unexplained status.
        "detail": error["message"] if status == 403 or status not in EXPLAINED else None,
        "trace_id": error["trace_id"],
        "login_url": f"/login?next={quote(request.url.path)}" if status in (401, 403) else None,
    }
    return templates.TemplateResponse(request, "error.html", context, status_code=status, headers=headers)


def forbidden_page(request: Request, detail: str) -> HTMLResponse:
    """A page's own 403 (a role the policy refuses), in the same layout as the API's."""
    return error_page(request, 403, envelope("forbidden", detail), None)
