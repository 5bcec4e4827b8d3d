"""catalog: sort indexes over whole machines' prices

A search leaves out GPU-only prices unless asked (``price_scope = 'machine'``, since 0015). The sort
indexes cover every offer, so at 1M offers the default search's count read the whole table (0.65-1.2 s
on PostgreSQL instead of an index-only scan) and a deep page fetched a heap row per skipped offer. Three
partial indexes, one per sort, hold only the machines' rows: the count and the page are index-only
scans again (docs/BENCHMARKS.md, "Keyset pagination"). The full indexes stay for ``include_gpu_only``.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 21:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MACHINE_SCOPE = "price_scope = 'machine'"
INDEXES = (
    ("ix_offers_machine_price", "price_per_hour"),
    ("ix_offers_machine_price_per_gpu", "price_per_gpu_hour"),
    ("ix_offers_machine_updated", "updated_at"),
)


def upgrade() -> None:
    for name, column in INDEXES:
        op.create_index(
            name,
            "offers",
            [column, "id"],
            postgresql_where=sa.text(MACHINE_SCOPE),
            sqlite_where=sa.text(MACHINE_SCOPE),
        )


def downgrade() -> None:
    for name, _ in INDEXES:
        op.drop_index(name, table_name="offers")
