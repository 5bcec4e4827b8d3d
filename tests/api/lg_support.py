"""Helpers of the LangGraph protocol tests: teams with API keys, a slow model, a second replica."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from pydantic import Field

from agent.offline import OfflinePlannerModel

# What a set-up request to a served app may take: a password hash or a key on a CI machine whose two test
# workers and their servers share two cores took more than httpx's 5 s (CI run 8, POST /api-keys).
HTTP_TIMEOUT_S = 60.0


class SlowPlanner(OfflinePlannerModel):
    """The offline planner writing each chunk after ``delay_s``: a model slow enough to stop mid-answer."""

    delay_s: float = 0.3
    #: When each piece was written (``time.monotonic()``): whether a run went on after its client left.
    written: list[float] = Field(default_factory=list)

    async def _agenerate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        await asyncio.sleep(self.delay_s * 4)
        return self._generate(messages, stop, None, **kw)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        async for chunk in super()._astream(messages, stop, run_manager, **kwargs):
            await asyncio.sleep(self.delay_s)
            self.written.append(time.monotonic())
            yield chunk


def use_slow_model(app: Any, delay_s: float = 0.3) -> SlowPlanner:
    """Swaps the served app's assistant for one with :class:`SlowPlanner` (same checkpointer, same tools)."""
    from agent.service import Assistant

    old = app.state.assistant
    model = SlowPlanner(delay_s=delay_s)
    app.state.assistant = Assistant(
        app.state.session_factory,
        app.state.settings,
        cache=app.state.cache,
        checkpointer=old.graph.checkpointer,
        model=model,
    )
    return model


class Team:
    """A new team on the served app: its admin's bearer headers, and API keys made through /api-keys."""

    def __init__(self, base_url: str, role_headers: dict[str, str], tenant_id: str) -> None:
        self.base_url = base_url
        self.headers = role_headers
        self.tenant_id = tenant_id

    def key(
        self, scopes: tuple[str, ...] = ("assistant", "bookings", "catalog:read"), name: str = "ui"
    ) -> str:
        r = httpx.post(
            f"{self.base_url}/api-keys",
            json={"name": name, "scopes": list(scopes)},
            headers=self.headers,
            timeout=HTTP_TIMEOUT_S,
        )
        assert r.status_code == 201, r.text
        return str(r.json()["key"])

    def allow_origins(self, *origins: str) -> None:
        r = httpx.patch(
            f"{self.base_url}/tenants/{self.tenant_id}",
            json={"cors_origins": list(origins)},
            headers=self.headers,
            timeout=HTTP_TIMEOUT_S,
        )
        assert r.status_code == 200, r.text


def new_team(base_url: str) -> Team:
    email = f"lg-{uuid.uuid4().hex[:12]}@example.com"
    r = httpx.post(
        f"{base_url}/auth/register",
        json={"email": email, "password": "correct horse battery staple"},
        timeout=HTTP_TIMEOUT_S,
    )
    assert r.status_code == 201, r.text
    body = r.json()
    return Team(base_url, {"Authorization": f"Bearer {body['access_token']}"}, body["tenant"]["id"])


@contextmanager
def served(settings: Any, *, slow: float | None = None) -> Iterator[tuple[str, Any]]:
    """The whole app on a loopback port (optionally with the slow model); yields its URL and the app."""
    from api.app import create_app
    from tests.support import serve

    app = create_app(settings)
    with serve(app) as url:
        app.state.settings = settings.model_copy(update={"public_url": url, "sandbox_start_delay_s": 0.0})
        if slow is not None:
            use_slow_model(app, slow)
        yield url, app
