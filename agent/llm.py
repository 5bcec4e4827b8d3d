"""The model factory: ``GPUBROKER_LLM`` picks the chat model behind the agent.

- ``offline`` (default): :class:`agent.offline.OfflinePlannerModel`, deterministic, no weights.
- ``openai:<model>``: ChatOpenAI against ``GPUBROKER_LLM_BASE_URL`` (OpenAI, vLLM, llama.cpp server,
  any OpenAI-compatible endpoint) with ``GPUBROKER_LLM_API_KEY``.
- ``ollama:<model>``: ChatOllama against ``GPUBROKER_LLM_BASE_URL`` (default http://127.0.0.1:11434).
"""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel

from core import tracing
from core.errors import InvalidInput
from core.settings import Settings


def make_chat_model(spec: str, settings: Settings) -> BaseChatModel:
    kind, _, name = spec.partition(":")
    if kind == "offline":
        from agent.offline import OfflinePlannerModel

        return OfflinePlannerModel()
    if kind == "openai" and name:
        from langchain_openai import ChatOpenAI
        from pydantic import SecretStr

        timeout = settings.http_timeout_s * 6
        return ChatOpenAI(
            model=name,
            # A client per model: langchain-openai otherwise shares one process-wide async client,
            # bound to the event loop that first used it, which breaks a second loop (evals, tests).
            # Carries the request's traceparent to the model server.
            http_async_client=tracing.async_http_client(timeout=timeout),
            base_url=settings.llm_base_url,
            api_key=SecretStr(settings.llm_api_key or "not-needed"),
            temperature=0,
            timeout=timeout,
            max_retries=2,
            streaming=True,
        )
    if kind == "ollama" and name:
        import httpx
        from langchain_ollama import ChatOllama

        return ChatOllama(
            model=name,
            base_url=settings.llm_base_url or "http://127.0.0.1:11434",
            temperature=0,
            sync_client_kwargs={"transport": tracing.TracingTransport(httpx.HTTPTransport())},
            async_client_kwargs={"transport": tracing.AsyncTracingTransport(httpx.AsyncHTTPTransport())},
        )
    raise InvalidInput(f"unknown model {spec!r}: use offline, openai:<model> or ollama:<model>")
