"""Stream the assistant's answer over server-sent events, printing its tokens as they come.

The generated ``chat_stream`` reads the whole answer at once, so this example streams with the SDK's
own httpx client (``client.get_httpx_client()``: same base URL, credential and timeout) and reads the
events api/chat.py documents: ``metadata``, ``token`` ``{"text"}``, ``tool_start``, ``tool_end``,
``result``, ``approval_required``, ``error``, ``end``.

    GPUBROKER_URL=... GPUBROKER_API_KEY=gbk_... python stream_chat.py "cheapest 8x H100 in the US for a week"
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

from common import client_from_env
from gpubroker_client.models import ChatRequest


def events(lines: Iterator[str]) -> Iterator[tuple[str, Any]]:
    """``(event, data)`` pairs of a text/event-stream body, ``data`` parsed as JSON."""
    event, data = "message", list[str]()
    for line in lines:
        if not line:
            if data:
                yield event, json.loads("\n".join(data))
            event, data = "message", []
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))


prompt = " ".join(sys.argv[1:]) or "cheapest 8x H100 in the US for a week"
tokens = 0
with client_from_env() as client:
    body = ChatRequest(prompt=prompt).to_dict()
    with client.get_httpx_client().stream("POST", "/ai/chat/stream", json=body) as response:
        if response.status_code != 200:
            sys.exit(f"{response.status_code}: {response.read().decode()}")
        for event, data in events(response.iter_lines()):
            if event == "token":
                tokens += 1
                print(data["text"], end="", flush=True)
            elif event == "tool_start":
                print(f"\n[tool {data['name']}]", flush=True)
            elif event == "result":
                offers = data["recommendations"]
                print(f"\n\n{tokens} tokens streamed; {len(offers)} offers recommended, the first:")
                for offer in offers[:3]:
                    print(f"  {offer['provider_id']} {offer['name']} ${offer['price_per_hour']:,.2f}/h")
            elif event == "error":
                sys.exit(f"\nthe run failed: {data['code']}: {data['message']}")
