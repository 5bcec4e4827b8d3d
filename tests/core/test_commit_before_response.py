"""A write is committed before its response is sent: a client can read its own write at once.

FastAPI ends dependencies with ``yield`` after the response by default; the session dependencies
are declared with ``scope="function"`` so the commit comes first. Served over real HTTP (the test
client waits for the whole ASGI call and could not tell the difference), with every commit slowed
down so that a commit after the response would lose the race every time.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
from sqlalchemy import event

from core.settings import Settings
from tests.support import serve


def test_a_registered_user_can_sign_in_at_once(settings: Settings, engine: Any) -> None:
    from api.app import create_app

    app = create_app(settings)

    @event.listens_for(app.state.session_factory, "before_commit")
    def slow_commit(session: Any) -> None:
        time.sleep(0.3)

    with serve(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        email = f"fast-{uuid.uuid4().hex[:10]}@example.com"
        r = client.post("/auth/register", json={"email": email, "password": "correct horse battery staple"})
        assert r.status_code == 201, r.text
        me = client.get("/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"})
        assert me.status_code == 200, me.text
        assert me.json()["email"] == email
