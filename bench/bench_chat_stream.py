"""When the chat's events arrive and when the page shows them: the stream as the network delivers it
(httpx reading POST /ai/chat/stream) and as Debian's Chromium renders it on /chat.

Serves the app under uvicorn on a loopback port (the database of GPUBROKER_DATABASE_URL, which must
hold the bundled catalog: `gpubroker init`), signs a new user in through the site's form, then for
each prompt prints, in milliseconds from the request: the first event, each tool's start and end, the
first and last answer token, and the result; in Chromium, from the press of Enter: the first tool line,
the first and last change of the answer text, and the result.

    .venv/bin/python -m bench.bench_chat_stream [--model offline] [--prompts N]
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from typing import Any

import httpx

from bench.common import machine_header
from core.settings import get_settings

PROMPTS = (
    "4x A100 80GB in Europe under $8/h for 3 days, and give me terraform",
    "was kostet eine H100 für eine Woche in Deutschland?",
    "what does HBM3 change",
)
PASSWORD = "correct horse battery staple"

# Records, in the page, when each part of the answer appears (performance.now(), ms).
OBSERVER = """
window.__marks = [];
window.__mark = (what) => window.__marks.push([what, performance.now()]);
new MutationObserver((records) => {
  for (const r of records) {
    const node = r.target.nodeType === 1 ? r.target : r.target.parentElement;
    if (!node) continue;
    if (node.closest && node.closest('[data-answer]')) window.__mark('answer');
    for (const added of r.addedNodes) {
      if (added.nodeType !== 1) continue;
      if (added.matches('.tool-line')) window.__mark('tool');
      if (added.matches('[data-chat-result]')) window.__mark('result');
    }
  }
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


def network(base: str, token: str, prompt: str) -> dict[str, Any]:
    marks: list[tuple[str, float]] = []
    started = time.perf_counter()
    headers = {"Authorization": f"Bearer {token}"}
    with (
        httpx.Client(base_url=base, timeout=120, headers=headers) as client,
        client.stream("POST", "/ai/chat/stream", json={"prompt": prompt}) as r,
    ):
        for line in r.iter_lines():
            if line.startswith("event:"):
                marks.append((line.split(":", 1)[1].strip(), (time.perf_counter() - started) * 1000))
    tokens = [ms for name, ms in marks if name == "token"]
    return {
        "first_event": marks[0][1] if marks else None,
        "tools": [(name, round(ms, 1)) for name, ms in marks if name.startswith("tool")],
        "tokens": len(tokens),
        "first_token": round(tokens[0], 1) if tokens else None,
        "last_token": round(tokens[-1], 1) if tokens else None,
        "result": next((round(ms, 1) for name, ms in marks if name == "result"), None),
    }


def browser_marks(base: str, email: str, prompt: str) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_context().new_page()
        page.goto(f"{base}/login?next=/chat")
        page.get_by_label("Email", exact=True).fill(email)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_url(f"{base}/chat")
        page.evaluate(OBSERVER)
        box = page.get_by_label("Your request")
        box.fill(prompt)
        sent = page.evaluate("performance.now()")
        box.press("Enter")
        page.locator("[data-chat-result]").first.wait_for(state="attached", timeout=120_000)
        page.wait_for_timeout(300)
        marks = page.evaluate("window.__marks")
        browser.close()
    answer = [ms - sent for what, ms in marks if what == "answer"]
    return {
        "first_tool": next((round(ms - sent, 1) for what, ms in marks if what == "tool"), None),
        "answer_changes": len(answer),
        "first_text": round(answer[0], 1) if answer else None,
        "last_text": round(answer[-1], 1) if answer else None,
        "result": next((round(ms - sent, 1) for what, ms in marks if what == "result"), None),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=len(PROMPTS))
    args = parser.parse_args()
    from api.app import create_app
    from tests.support import serve

    settings = get_settings()
    print(machine_header())
    with serve(create_app(settings)) as base, httpx.Client(base_url=base) as http:
        email = f"stream-{uuid.uuid4().hex[:10]}@example.com"
        r = http.post("/auth/register", json={"email": email, "password": PASSWORD, "tenant_name": "Bench"})
        r.raise_for_status()
        token = r.json()["access_token"]
        for prompt in PROMPTS[: args.prompts]:
            print(json.dumps({"prompt": prompt, "network_ms": network(base, token, prompt)}))
            print(json.dumps({"prompt": prompt, "chromium_ms": browser_marks(base, email, prompt)}))


if __name__ == "__main__":
    main()
