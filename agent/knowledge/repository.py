"""All SQL of the knowledge base: loading passages, full-text search (PostgreSQL tsvector or SQLite
FTS5 BM25) and vector search (pgvector cosine distance)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session, defer

from agent.models import KnowledgePassage


@dataclass(frozen=True)
class Hit:
    passage: KnowledgePassage
    score: float


def all_passages(session: Session) -> dict[str, KnowledgePassage]:
    return {p.id: p for p in session.execute(select(KnowledgePassage)).scalars()}


def upsert(session: Session, row: dict[str, Any]) -> KnowledgePassage:
    passage = session.get(KnowledgePassage, row["id"])
    if passage is None:
        passage = KnowledgePassage(**row)
        session.add(passage)
    else:
        for key, value in row.items():
            setattr(passage, key, value)
    return passage


def delete_missing(session: Session, keep: Sequence[str]) -> int:
    result = session.execute(delete(KnowledgePassage).where(KnowledgePassage.id.not_in(list(keep))))
    return int(getattr(result, "rowcount", 0) or 0)


def rebuild_fts(session: Session) -> None:
    """SQLite: the FTS5 table mirrors the passages (35 rows: rebuilt whole on any change)."""
    session.execute(text("DELETE FROM knowledge_fts"))
    session.execute(
        text(
            "INSERT INTO knowledge_fts (id, title, text, keywords) "
            "SELECT id, title, text, keywords FROM knowledge_passages"
        )
    )


def _by_ids(session: Session, scored: list[tuple[str, float]]) -> list[Hit]:
    """The scored passages in one query, without their embeddings: an answer quotes the text, and
    decoding 384 floats per passage was most of a knowledge search's CPU (issue 14)."""
    if not scored:
        return []
    rows = {
        p.id: p
        for p in session.execute(
            select(KnowledgePassage)
            .options(defer(KnowledgePassage.embedding))
            .where(KnowledgePassage.id.in_([pid for pid, _ in scored]))
        ).scalars()
    }
    return [Hit(rows[pid], score) for pid, score in scored if pid in rows]


def search_text(session: Session, terms: Sequence[str], limit: int) -> list[Hit]:
    """Passages matching any of ``terms`` (plain lower-case words), best first. The score is BM25 on
    SQLite (negated, so higher is better) and ``ts_rank_cd`` on PostgreSQL."""
    if not terms:
        return []
    if session.get_bind().dialect.name == "postgresql":
        query = " | ".join(terms)
        rows = session.execute(
            text(
                "SELECT id, ts_rank_cd(search_tsv, q) AS score "
                "FROM knowledge_passages, to_tsquery('english', :q) AS q "
                "WHERE search_tsv @@ q ORDER BY score DESC, id LIMIT :n"
            ),
            {"q": query, "n": limit},
        ).all()
    else:
        query = " OR ".join(f'"{t}"' for t in terms)
        rows = session.execute(
            text(
                "SELECT id, -bm25(knowledge_fts, 0.0, 2.0, 1.0, 1.5) AS score FROM knowledge_fts "
                "WHERE knowledge_fts MATCH :q ORDER BY score DESC, id LIMIT :n"
            ),
            {"q": query, "n": limit},
        ).all()
    return _by_ids(session, [(str(r[0]), float(r[1])) for r in rows])


def search_vector(session: Session, vector: Sequence[float], limit: int) -> list[Hit]:
    """PostgreSQL: the passages nearest to ``vector`` by cosine distance; the score is the similarity."""
    literal = "[" + ",".join(f"{x:.7f}" for x in vector) + "]"
    rows = session.execute(
        text(
            "SELECT id, 1 - (embedding <=> CAST(:v AS vector)) AS score FROM knowledge_passages "
            "WHERE embedding IS NOT NULL ORDER BY embedding <=> CAST(:v AS vector), id LIMIT :n"
        ),
        {"v": literal, "n": limit},
    ).all()
    return _by_ids(session, [(str(r[0]), float(r[1])) for r in rows])


def missing_embeddings(session: Session) -> list[KnowledgePassage]:
    return list(
        session.execute(select(KnowledgePassage).where(KnowledgePassage.embedding.is_(None))).scalars()
    )
