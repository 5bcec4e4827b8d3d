"""Builds and compiles the agent: ``plan`` <-> ``tools`` -> ``respond``.

The same graph runs with every model (offline planner, OpenAI-compatible, Ollama); the tools are the
same for all. Conversations are threads kept by the checkpointer passed in.
"""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.tools import BaseTool
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.prebuilt import ToolNode

from agent.nodes import make_plan_node, respond, route_after_plan
from agent.state import AgentState


def build_graph(
    model: BaseChatModel, tools: list[BaseTool], checkpointer: Any = None
) -> CompiledStateGraph[Any]:
    graph = StateGraph(AgentState)
    graph.add_node("plan", make_plan_node(model, tools))  # type: ignore[call-overload]
    graph.add_node("tools", ToolNode(tools, handle_tool_errors=True))
    graph.add_node("respond", respond)
    graph.add_edge(START, "plan")
    graph.add_conditional_edges("plan", route_after_plan, ["tools", "respond"])
    graph.add_edge("tools", "plan")
    graph.add_edge("respond", END)
    return graph.compile(checkpointer=checkpointer, name="gpubroker")
