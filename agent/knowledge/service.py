"""Loading and searching the knowledge base.

:func:`load` makes the database hold exactly the bundled passages (``passages.jsonl``): new and
changed ones are written, removed ones deleted, and on PostgreSQL every passage without an embedding
gets one when the embedding model is installed. It is idempotent and runs in ``gpubroker migrate``.

:func:`search` answers a question with the passages that speak to it. On PostgreSQL with embeddings it
is hybrid: the full-text ranking and the vector ranking are fused by reciprocal rank (k = 60), and a
passage found by the vector alone must be at least ``MIN_SIMILARITY`` close, so that a question the
knowledge base knows nothing about finds nothing rather than the least distant passage. Without
embeddings (SQLite, or the model not installed) it is full text alone: FTS5 BM25 or ``ts_rank_cd``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.orm import Session

from agent.knowledge import repository as repo
from agent.knowledge.embeddings import Embedder

PASSAGES = Path(__file__).with_name("passages.jsonl")
#: Reciprocal rank fusion's constant (Cormack et al. 2009).
RRF_K = 60
#: Cosine similarity below which a passage found only by its embedding is not an answer.
MIN_SIMILARITY = 0.45

_STOPWORDS = frozenset(
    (  # noqa: SIM905 (a word list reads better as text)
        "a about above after again all also am an and any are as at be because been before being below "
        "between both but by can could did do does doing don down during each few for from further had "
        "has have having he her here hers how i if in into is it its itself just me more most my no nor "
        "not now of off on once only or other our out over own same she should so some such than that the "
        "their them then there these they this those through to too under until up very was we were what "
        "when where which while who whom why will with would you your yours worth use using run runs "
        "running need needs tell explain please thanks know want get really much many better best good "
        "bad vs versus difference between change changes mean means meaning "
    ).split()
)
_TERM_RE = re.compile(r"[a-z0-9][a-z0-9.+-]*[a-z0-9]|[a-z0-9]")


@dataclass(frozen=True)
class Found:
    id: str
    topic: str
    title: str
    text: str
    source_title: str
    source_url: str
    score: float


def bundled() -> list[dict[str, Any]]:
    rows = []
    for line in PASSAGES.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rows.append(json.loads(line))
    return rows


def _digest(row: dict[str, Any]) -> str:
    body = json.dumps({k: row[k] for k in sorted(row)}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha1(body.encode(), usedforsecurity=False).hexdigest()


def load(session: Session, embedder: Callable[[], Embedder | None] | None) -> dict[str, int]:
    """Make the database hold the bundled passages; ``{written, deleted, embedded}``. ``embedder``
    gives the model, called only when a passage lacks its embedding (loading it takes seconds)."""
    rows = bundled()
    have = repo.all_passages(session)
    written = 0
    for row in rows:
        digest = _digest(row)
        current = have.get(row["id"])
        if current is not None and current.digest == digest:
            continue
        fields = {k: row.get(k, "") for k in ("id", "topic", "title", "text", "keywords")}
        fields |= {"source_title": row["source_title"], "source_url": row["source_url"], "digest": digest}
        fields["embedding"] = None  # the text changed: its old vector no longer describes it
        repo.upsert(session, fields)
        written += 1
    deleted = repo.delete_missing(session, [r["id"] for r in rows])
    session.flush()
    postgres = session.get_bind().dialect.name == "postgresql"
    if not postgres and (written or deleted):
        repo.rebuild_fts(session)
    embedded = 0
    todo = repo.missing_embeddings(session) if postgres and embedder is not None else []
    model = embedder() if todo and embedder is not None else None
    if model is not None:
        vectors = model.embed([_embedding_text(p.title, p.text) for p in todo])
        for passage, vector in zip(todo, vectors, strict=True):
            passage.embedding = vector
        embedded = len(todo)
        session.flush()
    return {"written": written, "deleted": deleted, "embedded": embedded}


def _embedding_text(title: str, text: str) -> str:
    return f"{title}. {text}"


def terms(query: str) -> list[str]:
    """The words of a question worth matching: lower case, no stop words, each once."""
    words = _TERM_RE.findall(query.lower())
    return list(dict.fromkeys(w for w in words if w not in _STOPWORDS and len(w) > 1))


#: Words too common in this knowledge base to tell what a question is about: when a question has other
#: words, only those are matched ("the meaning of blorfing a gpu" matches nothing, not every GPU passage).
GENERIC = frozenset(
    {"gpu", "gpus", "card", "cards", "nvidia", "amd", "model", "models", "cloud", "instance", "instances"}
)


def search(
    session: Session, query: str, limit: int = 4, embedder: Embedder | None = None
) -> tuple[list[Found], Literal["hybrid", "full_text"]]:
    """The passages that answer ``query``, best first, and how they were found."""
    words = terms(query)
    specific = [w for w in words if w not in GENERIC]
    text_hits = repo.search_text(session, specific or words, limit * 3)
    postgres = session.get_bind().dialect.name == "postgresql"
    if not (postgres and embedder is not None):
        return [_found(h.passage, h.score) for h in text_hits[:limit]], "full_text"
    vector_hits = repo.search_vector(session, embedder.embed([query])[0], limit * 3)
    fused: dict[str, float] = {}
    passages = {}
    for rank, hit in enumerate(text_hits):
        fused[hit.passage.id] = fused.get(hit.passage.id, 0.0) + 1 / (RRF_K + rank + 1)
        passages[hit.passage.id] = hit.passage
    in_text = set(fused)
    for rank, hit in enumerate(vector_hits):
        if hit.passage.id not in in_text and (hit.score < MIN_SIMILARITY or not text_hits):
            # A passage only the embedding finds must be close, and the words of the question must
            # match something: a made-up term finds nothing rather than the least distant passage.
            continue
        fused[hit.passage.id] = fused.get(hit.passage.id, 0.0) + 1 / (RRF_K + rank + 1)
        passages[hit.passage.id] = hit.passage
    ranked = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [_found(passages[pid], round(score, 6)) for pid, score in ranked], "hybrid"


def _found(p: Any, score: float) -> Found:
    return Found(p.id, p.topic, p.title, p.text, p.source_title, p.source_url, score)
