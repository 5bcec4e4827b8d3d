"""The knowledge base: loaded by migrate with a source for every passage, found by hybrid search on
PostgreSQL (pgvector + full text, with the local embedding model) and FTS5 BM25 on SQLite, and quoted with
its sources by the assistant."""

from __future__ import annotations

import uuid

from langgraph.checkpoint.memory import InMemorySaver
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from agent.knowledge import service as knowledge
from agent.knowledge.embeddings import MiniLM, embedder
from agent.models import KnowledgePassage
from agent.service import Assistant
from core.settings import Settings
from tests.support import run_async
from tools.context import ToolContext
from tools.knowledge_tools import search_knowledge
from tools.schemas import SearchKnowledgeArgs


def test_migrate_loaded_every_bundled_passage_with_its_source(db: Session) -> None:
    bundled = knowledge.bundled()
    assert len(bundled) >= 30
    assert {r["topic"] for r in bundled} >= {"gpu", "framework", "sizing", "spot", "networking", "provider"}
    assert db.scalar(select(func.count()).select_from(KnowledgePassage)) == len(bundled)
    assert all(r["source_url"].startswith("https://") and r["source_title"] for r in bundled)
    # Loading again changes nothing.
    assert knowledge.load(db, None) == {"written": 0, "deleted": 0, "embedded": 0}


def test_full_text_finds_the_passage_and_nothing_for_made_up_words(db: Session, settings: Settings) -> None:
    model = None if settings.is_sqlite else embedder(settings)
    found, method = knowledge.search(db, "does JAX run on TPUs or only GPUs", 3, model)
    assert found[0].id == "fw-jax"
    assert method == ("full_text" if settings.is_sqlite else "hybrid")
    assert knowledge.search(db, "what is the meaning of blorfing a gpu", 3, model)[0] == []


def test_postgres_keeps_an_embedding_per_passage_in_pgvector(db: Session, settings: Settings) -> None:
    if settings.is_sqlite:
        assert db.execute(text("SELECT count(*) FROM knowledge_fts")).scalar() == len(knowledge.bundled())
        return
    assert db.execute(text("SELECT extversion FROM pg_extension WHERE extname = 'vector'")).scalar()
    missing = db.execute(text("SELECT count(*) FROM knowledge_passages WHERE embedding IS NULL")).scalar()
    assert missing == 0
    dims = db.execute(text("SELECT vector_dims(embedding) FROM knowledge_passages LIMIT 1")).scalar()
    assert dims == 384
    # The vector finds a passage the words alone would rank lower: "killed" is in no passage.
    found, _ = knowledge.search(db, "can my job get killed on spot machines", 3, embedder(settings))
    assert found[0].topic == "spot"


def test_a_question_asked_again_finds_the_same_passages_without_another_forward_pass(
    db: Session, settings: Settings
) -> None:
    if settings.is_sqlite:
        return  # no vectors on SQLite: full text alone
    model = embedder(settings)
    assert isinstance(model, MiniLM)
    question = f"can my job get killed on spot machines (asked {uuid.uuid4().hex[:6]})"
    first, _ = knowledge.search(db, question, 3, model)
    passes = []
    real = model._model.encode
    model._model.encode = lambda *a, **k: passes.append(a) or real(*a, **k)  # this instance only
    try:
        again, _ = knowledge.search(db, question, 3, model)
        kept = model.embed([question])[0]
        kept.append(1.0)  # a caller's copy: what is kept for the next caller is unchanged
        assert model.embed([question])[0] == model._encode([question])[0]
    finally:
        del model._model.encode
    assert [f.id for f in again] == [f.id for f in first] and first[0].topic == "spot"
    assert len(passes) == 1  # only the explicit _encode above; the repeats were kept
    # The oldest question is dropped past RECENT.
    model.RECENT = 2
    try:
        for q in ("spot one", "spot two", "spot three"):
            model.embed([q])
        assert "spot one" not in model._recent and len(model._recent) == 2
    finally:
        del model.RECENT


def test_the_tool_returns_passages_with_sources(factory: sessionmaker[Session], settings: Settings) -> None:
    result = search_knowledge(
        ToolContext(factory, settings), SearchKnowledgeArgs(query="is InfiniBand worth it for 2 nodes")
    )
    assert result.passages[0].id == "net-infiniband"
    assert result.passages[0].source_url.startswith("https://")


def test_an_explanation_quotes_its_sources(factory: sessionmaker[Session], settings: Settings) -> None:
    assistant = Assistant(factory, settings, checkpointer=InMemorySaver())
    result = run_async(assistant.run("what does HBM3 change", "t-kb"))
    assert result.intent == "explain" and not result.recommendations
    assert "3.35 TB/s" in result.summary and "[1]" in result.summary
    assert result.sources and result.sources[0]["url"] in result.summary
    german = run_async(assistant.run("Was ist FP8?", "t-kb-de"))
    assert german.language == "de" and german.summary.startswith("Aus meinen Quellen:")
