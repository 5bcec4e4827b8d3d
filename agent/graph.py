"""Builds and compiles the agent: ``plan`` <-> ``tools`` -> ``respond``.

The same graph runs with every model (offline planner, OpenAI-compatible, Ollama); the tools are the
same for all. Conversations are threads kept by the checkpointer passed in.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.tools import BaseTool
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.prebuilt import ToolNode

from agent.nodes import make_plan_node, respond, route_after_plan
from agent.state import AgentState
from core import tracing

Node = Callable[[AgentState], Awaitable[dict[str, Any]]]


def traced(name: str, node: Node) -> Node:
    """The node inside a span of its own (``graph.node <name>``), so its model and tool spans nest there."""

    async def run(state: AgentState) -> dict[str, Any]:
        with tracing.span(f"graph.node {name}", {"langgraph.node": name}):
            return await node(state)

    run.__name__ = name
    return run


def build_graph(
    model: BaseChatModel, tools: list[BaseTool], checkpointer: Any = None, *, model_name: str = "offline"
) -> CompiledStateGraph[Any]:
    graph = StateGraph(AgentState)
    graph.add_node("plan", traced("plan", make_plan_node(model, tools, model_name)))  # type: ignore[call-overload]
    # The tools node is LangGraph's own; each tool call has its span (tools.registry).
    graph.add_node("tools", ToolNode(tools, handle_tool_errors=True))
    graph.add_node("respond", traced("respond", respond))  # type: ignore[call-overload]
    graph.add_edge(START, "plan")
    graph.add_conditional_edges("plan", route_after_plan, ["tools", "respond"])
    graph.add_edge("tools", "plan")
    graph.add_edge("respond", END)
    return graph.compile(checkpointer=checkpointer, name="gpubroker")
