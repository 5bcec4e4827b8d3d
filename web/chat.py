"""The chat page: ask the assistant in the browser, with or without JavaScript.

With JavaScript, ``static/chat.js`` posts to ``/ai/chat/stream`` and renders the SSE events as they
arrive (the answer text, tool activity, then the structured result). Without it, the form posts here
(``POST /chat``), the server runs the assistant to the end and renders the same result: offer cards,
the forecast figures and chart, the Terraform and the marketplace link. Earlier turns of the thread
come back from the checkpointer, so a conversation continues across posts.

The page lists the signed-in user's conversations (newest first, titled by their first request); each
opens at ``/chat?thread=<id>`` with all its turns, and the next request continues it.

The assistant needs a signed-in user (``assistant.use``). The page uses the site's sign-in session
(``web.session``: HttpOnly, SameSite=Strict cookies set by ``/login``; signed out, it links there and
comes back). The script gets a short-lived access token for the API from ``POST /chat/token``; the
refresh token never reaches script.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from langchain_core.messages import AIMessage, HumanMessage
from starlette.concurrency import run_in_threadpool

from accounts.deps import accounts_unit, get_ctx
from accounts.policy import Action, allowed
from agent import service as agent_service
from agent.state import ChatResult
from core.errors import Conflict, NotFound
from tools.context import Caller
from web.chart import forecast_chart, stale_note
from web.routes import FIELD_LABELS, templates
from web.session import PageSession, page_session, set_cookies

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

MAX_THREAD_ID = 64
#: How many of the user's conversations the page lists.
CONVERSATIONS_LISTED = 20
EXAMPLES = (
    "4x A100 80GB in Europe under $8/h for 3 days, and give me terraform",
    "Cheapest 8x H100 in the US, on-demand",
    "What will a single L4 cost for a week?",
    "Fine-tune a 70B model: which GPUs do I need?",
)


# --- rendering -------------------------------------------------------------------------------------


def render(
    request: Request, page: PageSession, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    user = page.principal
    base: dict[str, Any] = {
        "active": "chat",
        "user": user,
        "can_ask": user is not None and allowed(user.role, Action.ASSISTANT_USE),
        "examples": EXAMPLES,
        "max_prompt_chars": agent_service.MAX_PROMPT_CHARS,
        "field_labels": FIELD_LABELS,
        "prompt": "",
        "thread_id": "",
        "turns": [],
        "result": None,
        "asked": None,
        "chart": None,
        "error": None,
        "login_url": "/login?next=/chat",
        "conversations": [],
    }
    base.update(context)
    response = templates.TemplateResponse(request, "chat.html", base, status_code=status_code)
    if page.renewed is not None:
        set_cookies(request, response, page.renewed)
    return response


def result_context(result: ChatResult) -> dict[str, Any]:
    data = result.model_dump()
    forecast = data.get("forecast")
    chart = (
        forecast_chart(forecast["series"], note=stale_note(forecast))
        if forecast and forecast.get("series")
        else None
    )
    return {"result": data, "chart": chart}


async def earlier_turns(request: Request, thread_id: str) -> list[dict[str, str]]:
    """The thread's turns before the last one, as ``{"role", "text"}``: the user's prompts and the
    assistant's final answers (tool traffic is left out)."""
    snapshot = await request.app.state.assistant.state(thread_id)
    turns: list[dict[str, str]] = []
    for m in (snapshot.values or {}).get("messages", []):
        if isinstance(m, HumanMessage):
            turns.append({"role": "user", "text": m.text})
        elif isinstance(m, AIMessage) and not m.tool_calls and m.text:
            turns.append({"role": "assistant", "text": m.text})
    last_user = max((i for i, t in enumerate(turns) if t["role"] == "user"), default=len(turns))
    return turns[:last_user]


async def all_turns(request: Request, thread_id: str) -> list[dict[str, str]]:
    """Every turn of the thread, the last answer included (a reopened conversation)."""
    snapshot = await request.app.state.assistant.state(thread_id)
    turns: list[dict[str, str]] = []
    for m in (snapshot.values or {}).get("messages", []):
        if isinstance(m, HumanMessage):
            turns.append({"role": "user", "text": m.text})
        elif isinstance(m, AIMessage) and not m.tool_calls and m.text:
            turns.append({"role": "assistant", "text": m.text})
    return turns


def conversations(request: Request, page: PageSession, current: str = "") -> list[dict[str, Any]]:
    """The signed-in user's conversations for the list, newest first."""
    principal = page.principal
    if principal is None:
        return []
    with accounts_unit(request) as session:
        threads = agent_service.list_threads(
            session, CONVERSATIONS_LISTED, tenant_id=principal.tenant_id, user_id=principal.user_id
        )
        return [
            {
                "id": t.id,
                "title": str((t.metadata_ or {}).get("title") or "Conversation"),
                "updated_at": t.updated_at,
                "current": t.id == current,
            }
            for t in threads
        ]


# --- pages -----------------------------------------------------------------------------------------


@router.get("/chat", response_class=HTMLResponse)
async def chat_page(request: Request, thread: str = "") -> HTMLResponse:
    """The page; ``?thread=<id>`` reopens one of the user's conversations with all its turns."""
    page = await run_in_threadpool(page_session, request)
    context: dict[str, Any] = {}
    if thread and page.principal is not None:
        principal = page.principal

        def owned() -> bool:
            with accounts_unit(request) as session:
                try:
                    t = agent_service.get_thread(
                        session, thread[:MAX_THREAD_ID], tenant_id=principal.tenant_id
                    )
                except NotFound:
                    return False
                return t.user_id == principal.user_id

        if len(thread) <= MAX_THREAD_ID and await run_in_threadpool(owned):
            context = {"thread_id": thread, "turns": await all_turns(request, thread)}
        else:
            context = {"error": "That conversation is not available."}
            response = render(request, page, context, 404)
            return response
    context["conversations"] = await run_in_threadpool(conversations, request, page, thread)
    return render(request, page, context)


@router.post("/chat", response_class=HTMLResponse)
async def chat_submit(request: Request) -> HTMLResponse:
    """The form without JavaScript: run the assistant on the prompt and render its answer."""
    form = await request.form()
    prompt = str(form.get("example") or form.get("prompt") or "")
    thread_id = str(form.get("thread_id") or "").strip()
    answer = str(form.get("resume") or "")
    resume = {"approved": answer == "approve"} if answer in ("approve", "decline") else None
    page = await run_in_threadpool(page_session, request)
    keep = {"prompt": prompt, "thread_id": thread_id}
    if page.principal is None:
        return render(request, page, {**keep, "error": "Sign in to ask the assistant."}, 401)
    principal = page.principal
    if not allowed(principal.role, Action.ASSISTANT_USE):
        message = f"Your role ({principal.role}) may not use the assistant."
        return render(request, page, {**keep, "error": message}, 403)
    if resume is not None and not thread_id:
        return render(
            request, page, {"error": "There is nothing to approve: start a conversation first."}, 422
        )
    if resume is None and not prompt.strip():
        return render(request, page, {**keep, "error": "Write a request first: the prompt is empty."}, 422)
    limit = agent_service.MAX_PROMPT_CHARS
    if len(prompt) > limit:
        message = f"The prompt is {len(prompt):,} characters long; the limit is {limit:,}. Shorten it."
        return render(request, page, {**keep, "error": message}, 422)
    if len(thread_id) > MAX_THREAD_ID:
        return render(request, page, {"prompt": prompt, "error": "That conversation id is not valid."}, 422)

    def prepare() -> str:
        with accounts_unit(request) as session:
            if thread_id:
                agent_service.use_thread(session, thread_id, principal.tenant_id)
                return thread_id
            thread = agent_service.create_thread(
                session,
                metadata=agent_service.thread_title(prompt),
                tenant_id=principal.tenant_id,
                user_id=principal.user_id,
            )
            return thread.id

    try:
        thread_id = await run_in_threadpool(prepare)
    except NotFound:
        message = "That conversation is not available any more. Send the request again to start a new one."
        return render(request, page, {"prompt": prompt, "error": message}, 404)
    assistant: agent_service.Assistant | None = getattr(request.app.state, "assistant", None)
    if assistant is None:
        return render(request, page, {**keep, "error": "The assistant is not running."}, 503)
    caller = Caller(principal=principal, ctx=get_ctx(request))
    try:
        result = await assistant.run(None if resume else prompt, thread_id, resume=resume, caller=caller)
        turns = await earlier_turns(request, thread_id)
    except Conflict as exc:
        return render(request, page, {"thread_id": thread_id, "error": exc.message}, 409)
    except Exception as exc:  # the page must say what happened rather than show a bare 500
        log.exception("chat page run failed")
        message = f"The assistant failed: {type(exc).__name__}: {exc}"
        return render(request, page, {"prompt": prompt, "thread_id": thread_id, "error": message}, 500)
    asked = ("Book it" if resume["approved"] else "Don't book") if resume else prompt
    context = {"thread_id": thread_id, "turns": turns, "asked": asked, **result_context(result)}
    context["conversations"] = await run_in_threadpool(conversations, request, page, thread_id)
    return render(request, page, context)


@router.post("/chat/token")
async def chat_token(request: Request) -> JSONResponse:
    """The access token the page's script sends to ``/ai/chat/stream`` (JSON; 401 when signed out)."""
    page = await run_in_threadpool(page_session, request)
    if page.principal is None or page.access_token is None:
        error = {"code": "not_authenticated", "message": "sign in first (/login)"}
        return JSONResponse({"error": error}, status_code=401)
    body = {"access_token": page.access_token, "email": page.principal.email}
    response = JSONResponse(body, headers={"Cache-Control": "no-store"})
    if page.renewed is not None:
        set_cookies(request, response, page.renewed)
    return response
