"""catalog: each market forecast keeps its chained market index and the index's forecast and trend

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 03:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Forecasts stored before this column are recomputed on the next refresh: their fingerprint
    # lacks the method version (catalog/predict.py), so they never pass for current.
    with op.batch_alter_table("market_forecasts") as batch:
        batch.add_column(
            sa.Column(
                "market_index",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("market_forecasts") as batch:
        batch.drop_column("market_index")
