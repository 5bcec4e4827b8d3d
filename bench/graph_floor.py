"""The floor of LangGraph + langchain-core for the assistant's graph: what a turn costs with no work in it.

The same graph as ``agent.graph`` (``plan`` <-> ``tools`` -> ``respond``, LangGraph's ToolNode) and the same
streaming as the chat API (``stream_mode=["messages", "updates"]``, ``durability="exit"``), with a chat model
shaped like the offline planner (one tool call, then the answer in 13 pieces of 6 words with a yield between
them) that plans nothing, a tool that returns a fixed JSON answer at once, and a ``respond`` that builds
nothing. Prints the process CPU per turn (in-process, one turn after another, no HTTP, no database):

    .venv/bin/python -m bench.graph_floor --turns 500
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.tools import BaseTool, StructuredTool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.prebuilt import ToolNode
from pydantic import BaseModel

from agent.offline import OfflinePlannerModel
from agent.planner import Step
from agent.state import AgentState
from bench.common import machine_header

ANSWER = " ".join(["word"] * 78)  # 13 pieces of 6 words, as an answer of the offline planner
TOOL_ANSWER = json.dumps({"total": 5, "offers": [{"id": f"o{i}", "name": "x" * 40} for i in range(5)]})


class Args(BaseModel):
    gpu_type: str


class Shaped(OfflinePlannerModel):
    """The offline planner's model (its streaming: a tool call, then the answer in pieces with a yield between
    them) with a decision that costs nothing: search, then answer."""

    def _decide(self, messages: list[BaseMessage], tools: list[dict[str, Any]] | None) -> Step:
        if any(m.type == "tool" for m in messages):
            return Step(answer=ANSWER, intent="recommend")
        return Step(tool_calls=[("search_offers", {"gpu_type": "H100"})], intent="recommend")


def search_offers(gpu_type: str) -> str:
    return TOOL_ANSWER


def build() -> Any:
    tools: list[BaseTool] = [
        StructuredTool.from_function(
            func=search_offers,
            name="search_offers",
            description="offers",
            args_schema=Args,
            infer_schema=False,
        )
    ]
    model = Shaped().bind_tools(tools)

    async def plan(state: AgentState) -> dict[str, Any]:
        return {"messages": [await model.ainvoke(state["messages"])]}

    def route(state: AgentState) -> str:
        last = state["messages"][-1]
        return "tools" if isinstance(last, AIMessage) and last.tool_calls else "respond"

    async def respond(state: AgentState) -> dict[str, Any]:
        return {"result": {"summary": "-"}}

    graph = StateGraph(AgentState)
    graph.add_node("plan", plan)
    graph.add_node("tools", ToolNode(tools, handle_tool_errors=True))
    graph.add_node("respond", respond)
    graph.add_edge(START, "plan")
    graph.add_conditional_edges("plan", route, ["tools", "respond"])
    graph.add_edge("tools", "plan")
    graph.add_edge("respond", END)
    return graph.compile(checkpointer=InMemorySaver())


async def measure(turns: int, modes: list[str]) -> tuple[float, int]:
    graph = build()

    async def turn() -> int:
        config = {"configurable": {"thread_id": str(uuid.uuid4())}}
        items = 0
        async for _ in graph.astream(
            {"messages": [HumanMessage("8x H100")]}, config, stream_mode=modes, durability="exit"
        ):
            items += 1
        return items

    for _ in range(50):
        items = await turn()
    started = time.process_time()
    for _ in range(turns):
        await turn()
    return (time.process_time() - started) * 1000 / turns, items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--turns", type=int, default=500)
    args = parser.parse_args()
    print(machine_header())
    for modes in (["messages", "updates"], ["updates"]):
        ms, items = asyncio.run(measure(args.turns, modes))
        print(f"stream_mode={modes}: {ms:.2f} ms of CPU per turn ({items} streamed items)")


if __name__ == "__main__":
    main()
