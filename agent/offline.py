"""The offline planner model: a real LangChain chat model that needs no weights and no network.

It implements ``bind_tools`` and streams like an LLM: tool calls arrive as ``tool_call_chunks`` and
the answer as text chunks, so the graph, the tool node, SSE streaming and the evals run exactly as
they do with an LLM. What it decides comes from :mod:`agent.planner`.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import json
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

from agent.parser import ParsedRequest
from agent.planner import Step, next_step, tool_runs_from_messages, understand


def _text(message: BaseMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    return " ".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)


def turn_inputs(messages: Sequence[BaseMessage]) -> tuple[list[str], list[tuple[str, dict[str, Any], str]]]:
    """The thread's user messages so far, and the tool calls with results since the last one."""
    humans = [i for i, m in enumerate(messages) if isinstance(m, HumanMessage)]
    texts = [_text(messages[i]) for i in humans]
    start = humans[-1] if humans else 0
    calls: dict[str, tuple[str, dict[str, Any]]] = {}
    pairs: list[tuple[str, dict[str, Any], str]] = []
    for m in messages[start:]:
        if isinstance(m, AIMessage):
            for tc in m.tool_calls:
                calls[str(tc["id"])] = (tc["name"], dict(tc["args"]))
        elif isinstance(m, ToolMessage) and m.tool_call_id in calls:
            name, args = calls[m.tool_call_id]
            pairs.append((name, args, _text(m)))
    return texts, pairs


def understood(messages: Sequence[BaseMessage], texts: list[str]) -> ParsedRequest:
    """``understand(texts)`` (``texts``: the user messages among ``messages``), read once per set of messages.

    A turn asks the planner again after each tool call, with the same user messages: reading them (the
    parser, about a millisecond each time) is done once and kept under the messages' ids, which the graph
    gives every message it keeps. So only the same messages of the same thread ever find it; messages
    without ids (the model called outside a graph) are read every time. A copy goes out: the request is a
    mutable object and the planner's callers must not change the kept one."""
    ids = tuple(m.id for m in messages if isinstance(m, HumanMessage))
    if not ids or None in ids:
        return understand(texts)
    return copy.deepcopy(_understood(tuple(zip(ids, texts, strict=True))))


@functools.lru_cache(maxsize=256)
def _understood(key: tuple[tuple[str | None, str], ...]) -> ParsedRequest:
    return understand([text for _, text in key])


#: How many earlier turns "the second one" may reach back for a list of offers.
REFERENCE_TURNS = 3


def previous_offers(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    """The offers the most recent earlier answer showed (its recommendations, else its nearest ones), in
    the order shown: what "the second one" or "the cheaper one" points at."""
    from agent.nodes import build_result

    humans = [i for i, m in enumerate(messages) if isinstance(m, HumanMessage)]
    for k in range(len(humans) - 1, max(0, len(humans) - 1 - REFERENCE_TURNS), -1):
        result = build_result(list(messages[humans[k - 1] : humans[k]]))
        shown = result.recommendations or result.nearest
        if shown:
            return [
                {
                    "id": r.offer_id,
                    "provider": r.provider_id,
                    "name": r.name,
                    "gpu_family": r.gpu_family,
                    "gpu_count": r.gpu_count,
                    "price_per_hour": r.price_per_hour,
                    "price_per_gpu_hour": r.price_per_gpu_hour,
                    "region": r.region,
                    "url": r.url,
                }
                for r in shown
            ]
    return []


class OfflinePlannerModel(BaseChatModel):
    """Deterministic planner with the chat model interface (``GPUBROKER_LLM=offline``)."""

    #: Words per streamed piece: a few, as a model streams; more would cost a LangGraph event each.
    chunk_words: int = 6

    @property
    def _llm_type(self) -> str:
        return "gpubroker-offline-planner"

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kwargs)

    def _decide(self, messages: list[BaseMessage], tools: list[dict[str, Any]] | None) -> Step:
        texts, pairs = turn_inputs(messages)
        req = understood(messages, texts)
        step = next_step(texts, tool_runs_from_messages(pairs), previous_offers(messages), req)
        if step.tool_calls and tools is not None:
            allowed = {tool["function"]["name"] for tool in tools}
            missing = [name for name, _ in step.tool_calls if name not in allowed]
            if missing:  # a graph without these tools: answer with what we have
                return Step(answer=f"I need the {', '.join(missing)} tool(s), which this assistant lacks.")
        return step

    def _message(self, step: Step) -> AIMessage:
        meta: dict[str, Any] = {"language": step.language}
        if step.intent:
            meta["intent"] = step.intent
        if step.tool_calls:
            calls = [
                {"name": name, "args": args, "id": f"call_{uuid.uuid4().hex[:12]}", "type": "tool_call"}
                for name, args in step.tool_calls
            ]
            return AIMessage(content="", tool_calls=calls, response_metadata=meta)
        return AIMessage(content=step.answer or "", response_metadata=meta)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        step = self._decide(messages, kwargs.get("tools"))
        return ChatResult(generations=[ChatGeneration(message=self._message(step))])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        # Planning is a millisecond of CPU: no thread-pool hop, unlike the default async path.
        return self._generate(messages, stop, None, **kwargs)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for i, chunk in enumerate(self._chunks(messages, kwargs.get("tools"))):
            if i:
                # Back to the event loop between pieces, so that each reaches the client as its own SSE event
                # when it is written: without it the whole answer was written in one go, after the last piece.
                await asyncio.sleep(0)
            if run_manager:
                await run_manager.on_llm_new_token(str(chunk.message.content), chunk=chunk)
            yield chunk

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for chunk in self._chunks(messages, kwargs.get("tools")):
            if run_manager:
                run_manager.on_llm_new_token(str(chunk.message.content), chunk=chunk)
            yield chunk

    def _chunks(
        self, messages: list[BaseMessage], tools: list[dict[str, Any]] | None
    ) -> Iterator[ChatGenerationChunk]:
        message = self._message(self._decide(messages, tools))
        meta = dict(message.response_metadata)
        if message.tool_calls:
            for index, tc in enumerate(message.tool_calls):
                chunk = AIMessageChunk(
                    content="",
                    tool_call_chunks=[
                        {
                            "name": tc["name"],
                            "args": json.dumps(tc["args"]),
                            "id": tc["id"],
                            "index": index,
                            "type": "tool_call_chunk",
                        }
                    ],
                    response_metadata=meta if index == 0 else {},
                )
                yield ChatGenerationChunk(message=chunk)
            return
        words = str(message.content).split(" ")
        for i in range(0, len(words), self.chunk_words):
            piece = " ".join(words[i : i + self.chunk_words])
            if i + self.chunk_words < len(words):
                piece += " "
            chunk = AIMessageChunk(content=piece, response_metadata=meta if i == 0 else {})
            yield ChatGenerationChunk(message=chunk)
