"""agent: the knowledge base (knowledge_passages), with hybrid search on PostgreSQL and FTS5 on SQLite

- knowledge_passages: one sourced passage per row (agent/knowledge/passages.jsonl, loaded by
  `gpubroker migrate`);
- PostgreSQL: the pgvector extension, an `embedding vector(384)` column with an HNSW cosine index, and a
  stored generated `search_tsv` (english) with a GIN index;
- SQLite: the FTS5 table knowledge_fts (porter stemming), filled by the loader beside each row.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.create_table(
        "knowledge_passages",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("topic", sa.String(40), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("keywords", sa.Text(), nullable=False),
        sa.Column("source_title", sa.String(300), nullable=False),
        sa.Column("source_url", sa.String(500), nullable=False),
        sa.Column("digest", sa.String(40), nullable=False),
        sa.Column("embedding", sa.JSON(), nullable=True),
    )
    if postgres:
        op.execute("ALTER TABLE knowledge_passages ALTER COLUMN embedding TYPE vector(384) USING NULL")
        op.execute(
            "CREATE INDEX ix_knowledge_passages_embedding ON knowledge_passages "
            "USING hnsw (embedding vector_cosine_ops)"
        )
        op.execute(
            "ALTER TABLE knowledge_passages ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS "
            "(to_tsvector('english', title || ' ' || text || ' ' || keywords)) STORED"
        )
        op.execute(
            "CREATE INDEX ix_knowledge_passages_search_tsv ON knowledge_passages USING gin (search_tsv)"
        )
    else:
        op.execute(
            "CREATE VIRTUAL TABLE knowledge_fts USING fts5("
            "id UNINDEXED, title, text, keywords, tokenize = 'porter unicode61')"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE IF EXISTS knowledge_fts")
    op.drop_table("knowledge_passages")
