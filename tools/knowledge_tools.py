"""The agent's knowledge tool: sourced passages about GPUs, frameworks, sizing, spot and networking."""

from __future__ import annotations

from agent.knowledge import service as knowledge
from agent.knowledge.embeddings import embedder
from tools.context import ToolContext
from tools.progress import report
from tools.schemas import KnowledgePassageOut, SearchKnowledgeArgs, SearchKnowledgeResult


def search_knowledge(ctx: ToolContext, args: SearchKnowledgeArgs) -> SearchKnowledgeResult:
    """Passages of the knowledge base that answer a question about GPUs, accelerators, CUDA/ROCm/JAX,
    memory sizing (inference, fine-tuning, LoRA, QLoRA, quantisation), spot interruptions, NVLink and
    InfiniBand, or providers; each with its source URL. Quote them and cite the sources; an empty list
    means the knowledge base does not cover the question."""
    with ctx.session(read_only=True) as session:
        found, method = knowledge.search(
            session, args.query, args.limit, None if ctx.settings.is_sqlite else embedder(ctx.settings)
        )
    report(f"found {len(found)} knowledge passages ({method})", tool="search_knowledge", total=len(found))
    return SearchKnowledgeResult(
        passages=[
            KnowledgePassageOut(
                id=f.id,
                topic=f.topic,
                title=f.title,
                text=f.text,
                source_title=f.source_title,
                source_url=f.source_url,
                score=f.score,
            )
            for f in found
        ],
        method=method,
    )
