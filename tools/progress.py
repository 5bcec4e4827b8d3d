"""Progress a tool reports while it works, as LangGraph ``custom`` stream events.

``report("found 412 matching offers", tool="search_offers")`` writes ``{"type": "progress", "tool",
"message", ...}`` to the run's stream writer (LangGraph's ``get_stream_writer``); clients that asked for
``stream_mode=custom`` receive it (``useStream``'s ``onCustomEvent``). Outside a graph run (evals calling a
tool directly) it does nothing.
"""

from __future__ import annotations

from typing import Any

from langgraph.config import get_stream_writer


def report(message: str, *, tool: str, **data: Any) -> None:
    try:
        writer = get_stream_writer()
    except (RuntimeError, KeyError):  # not inside a graph run (no config, or a tool invoked on its own)
        return
    writer({"type": "progress", "tool": tool, "message": message, **data})
