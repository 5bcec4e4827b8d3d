"""The pages that bring a person in: sign up (a new team with its first admin).

Each form posts back: on success it signs the person in with the same cookies as ``/login``
(``web.session``) and redirects (303); a refused or invalid form renders the page again with each
field's message beside it and the status the API would give (422 for a bad value, 409 for an email
that already has an account). The rules are the API's (``accounts.schemas``, ``accounts.service``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from accounts import service as accounts
from accounts.deps import accounts_unit, get_ctx
from accounts.schemas import PASSWORD_MIN_LENGTH, PASSWORD_RULES, RegisterIn
from core.errors import AppError
from web.account_pages import FormStr, already_signed_in, error_headers, render, safe_next, signed_in

router = APIRouter(include_in_schema=False)

FORM_FIELDS = ("tenant_name", "email", "password")


def field_errors(exc: ValidationError) -> dict[str, str]:
    """The first message for each field of a form, in words (pydantic's ``Value error, `` dropped)."""
    errors: dict[str, str] = {}
    for err in exc.errors():
        loc = err.get("loc", ())
        field = str(loc[0]) if loc else "form"
        limits = err.get("ctx") or {}
        if err.get("type") == "string_too_short":
            message = f"must be at least {limits.get('min_length')} characters"
        elif err.get("type") == "string_too_long":
            message = f"must be at most {limits.get('max_length')} characters"
        else:
            message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        errors.setdefault(field, message)
    return errors


def app_error_fields(exc: AppError, default: str = "form") -> dict[str, str]:
    """An API error as field messages: on the fields its details name, else on ``default``."""
    details = exc.details if isinstance(exc.details, list) else []
    fields = [str(d["field"]) for d in details if isinstance(d, dict) and d.get("field")] or [default]
    return dict.fromkeys(fields, exc.message)


def password_rules() -> dict[str, Any]:
    return {"password_rules": PASSWORD_RULES, "password_min": PASSWORD_MIN_LENGTH}


# --- sign up ---------------------------------------------------------------------------------------


@router.get("/signup", response_class=HTMLResponse)
def signup_page(request: Request, next: str = "/") -> Response:
    onward = already_signed_in(request, next)
    if onward is not None:
        return onward
    context = {"active": "signup", "next": safe_next(next), "values": {}, "errors": {}, **password_rules()}
    return render(request, "signup.html", context)


@router.post("/signup", response_class=HTMLResponse)
def signup_submit(
    request: Request,
    tenant_name: FormStr = "",
    email: FormStr = "",
    password: FormStr = "",
    next: FormStr = "/",
) -> Response:
    values = {"tenant_name": tenant_name, "email": email}
    context: dict[str, Any] = {
        "active": "signup",
        "next": safe_next(next),
        "values": values,
        **password_rules(),
    }
    errors: dict[str, str] = {}
    if not tenant_name.strip():
        errors["tenant_name"] = "give your team a name"
    try:
        body = RegisterIn.model_validate(
            {"email": email, "password": password, "tenant_name": tenant_name or None}
        )
        accounts.check_password(body.password, body.email)
    except ValidationError as exc:
        errors = {**field_errors(exc), **errors}
    except AppError as exc:
        errors = {**app_error_fields(exc), **errors}
    if errors:
        return render(request, "signup.html", {**context, "errors": errors}, status_code=422)
    try:
        with accounts_unit(request) as session:
            _, _, pair = accounts.register(session, get_ctx(request), body)
    except AppError as exc:
        errors = app_error_fields(exc)
        return render(
            request,
            "signup.html",
            {**context, "errors": errors},
            status_code=exc.status,
            headers=error_headers(exc),
        )
    return signed_in(request, pair, next)
