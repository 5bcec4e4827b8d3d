"""Catalog tables: Provider, Offer, PriceHistory, ProviderHealth.

One offer is one purchasable configuration of one provider in one region at one price; a spot or
interruptible price is an offer of its own (``spot=True``) so that filters and sorting treat both
kinds alike. Prices are decimals in the offer's currency.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base

JSONType = JSON().with_variant(JSONB(), "postgresql")
Money = Numeric(14, 6, asdecimal=True)


class Provider(Base):
    __tablename__ = "providers"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20), default="cloud")  # cloud | marketplace | aggregator
    website: Mapped[str | None] = mapped_column(String(200))
    live_api: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str | None] = mapped_column(Text)


MACHINE_SCOPE = "price_scope = 'machine'"
MACHINE_SORT_INDEXES = (
    ("price", "price_per_hour"),
    ("price_per_gpu", "price_per_gpu_hour"),
    ("updated", "updated_at"),
)


class Offer(Base):
    __tablename__ = "offers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # No index of its own: uq_offers_provider_external_id starts with provider.
    provider: Mapped[str] = mapped_column(ForeignKey("providers.id"))
    external_id: Mapped[str] = mapped_column(String(300))
    name: Mapped[str] = mapped_column(String(300))
    gpu_type: Mapped[str] = mapped_column(String(60))  # as the provider names it, e.g. "A100-80GB"
    gpu_family: Mapped[str] = mapped_column(String(30))  # canonical, e.g. "A100"
    gpu_variant: Mapped[str | None] = mapped_column(String(30))
    gpu_count: Mapped[int] = mapped_column(Integer)
    gpu_memory_gb: Mapped[float] = mapped_column(Float)  # per GPU
    vcpu: Mapped[float | None] = mapped_column(Float)
    memory_gb: Mapped[float | None] = mapped_column(Float)
    storage_gb: Mapped[float | None] = mapped_column(Float)
    price_per_hour: Mapped[Decimal] = mapped_column(Money)
    price_per_gpu_hour: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    spot: Mapped[bool] = mapped_column(Boolean, default=False)
    region: Mapped[str] = mapped_column(String(80))
    zone: Mapped[str | None] = mapped_column(String(80))
    geo: Mapped[str | None] = mapped_column(String(10))
    country: Mapped[str | None] = mapped_column(String(2))
    availability: Mapped[str] = mapped_column(String(10), default="up")  # up | down | degraded
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    search_text: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(200))
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # when this sync read it
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: When the provider published this price or we observed it: a live fetch's time, or a bundled
    #: snapshot's own date (catalog/snapshots/catalog/PROVENANCE.json). Never the ingestion time of a file.
    price_as_of: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: ``machine``: the whole instance; ``gpu_only``: the accelerators alone (GCP), the host VM billed on top.
    price_scope: Mapped[str] = mapped_column(String(10), default="machine")
    #: The availability zones of a regional offer collapsed from per-zone rows of one type and price.
    zones: Mapped[list[str] | None] = mapped_column(JSONType, nullable=True)

    __table_args__ = (
        UniqueConstraint("provider", "external_id", name="uq_offers_provider_external_id"),
        Index("ix_offers_family_price", "gpu_family", "price_per_hour"),
        Index("ix_offers_geo_price", "geo", "price_per_hour"),
        Index("ix_offers_price", "price_per_hour", "id"),
        Index("ix_offers_price_per_gpu", "price_per_gpu_hour", "id"),
        Index("ix_offers_updated", "updated_at"),
        # What a search without include_gpu_only sorts and counts: whole machines' prices (0019).
        *(
            Index(
                f"ix_offers_machine_{name}",
                column,
                "id",
                postgresql_where=text(MACHINE_SCOPE),
                sqlite_where=text(MACHINE_SCOPE),
            )
            for name, column in MACHINE_SORT_INDEXES
        ),
    )

    def as_dict(self) -> dict[str, Any]:
        return {c.name: getattr(self, c.name) for c in self.__table__.columns if c.name != "search_text"}


# Schema objects the migrations create in SQL of their own and the models do not map; alembic's
# autogenerate must not propose dropping them (migrations/env.py passes :func:`include_object`).
UNMAPPED_COLUMNS = frozenset(
    {
        # 0005, PostgreSQL: a stored generated tsvector of search_text; the search names it in SQL.
        ("offers", "search_tsv"),
        # 0013, PostgreSQL: the knowledge base's stored tsvector (agent.models.KnowledgePassage).
        ("knowledge_passages", "search_tsv"),
    }
)
UNMAPPED_INDEXES = frozenset(
    {
        "ix_offers_search_tsv",  # 0005, PostgreSQL: GIN on search_tsv
        "ix_offers_tags",  # 0001, PostgreSQL: GIN (tags jsonb_path_ops), for tag containment
        "ix_offers_region_lower",  # 0001: on lower(region), for the case-insensitive region filter
        "ix_knowledge_passages_embedding",  # 0013, PostgreSQL: HNSW (vector_cosine_ops) on the embedding
    }
)


CHECKPOINT_TABLES = frozenset(
    {"checkpoints", "checkpoint_blobs", "checkpoint_writes", "checkpoint_migrations"}
)


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic's ``include_object`` hook: leave out what is in the database, not in the models, and
    listed above (or an index on such a column); everything else is compared as usual."""
    if not reflected or compare_to is not None:
        return True
    if type_ == "table":
        # LangGraph's Postgres checkpointer and the job engine (procrastinate) keep their own tables
        # (and migrations) in the database.
        # The knowledge base's FTS5 table on SQLite and its shadow tables (migration 0016).
        return name not in CHECKPOINT_TABLES and not (name or "").startswith(
            ("procrastinate_", "knowledge_fts")
        )
    if type_ == "column":
        return (obj.table.name, name) not in UNMAPPED_COLUMNS
    if type_ == "index":
        if name in UNMAPPED_INDEXES:
            return False
        table = obj.table.name
        return not any((table, getattr(c, "name", None)) in UNMAPPED_COLUMNS for c in obj.columns)
    return True


class PriceHistory(Base):
    """A price observed at a time: an offer's own changes, or a market's daily index row."""

    __tablename__ = "price_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    offer_id: Mapped[str | None] = mapped_column(ForeignKey("offers.id", ondelete="SET NULL"))
    provider: Mapped[str] = mapped_column(String(40))
    gpu_family: Mapped[str] = mapped_column(String(30))
    gpu_variant: Mapped[str | None] = mapped_column(String(30))
    gpu_count: Mapped[int] = mapped_column(Integer)
    market: Mapped[str | None] = mapped_column(String(40))  # observations' gpu_model, e.g. "H100_SXM"
    region: Mapped[str | None] = mapped_column(String(80))
    spot: Mapped[bool] = mapped_column(Boolean, default=False)
    price_per_hour: Mapped[Decimal] = mapped_column(Money)
    price_per_gpu_hour: Mapped[Decimal] = mapped_column(Money)
    price_min_per_gpu_hour: Mapped[Decimal | None] = mapped_column(Money)
    price_max_per_gpu_hour: Mapped[Decimal | None] = mapped_column(Money)
    n_offers: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    observed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(String(200))

    __table_args__ = (
        Index("ix_price_history_offer", "offer_id", "observed_at"),
        Index("ix_price_history_market", "gpu_family", "gpu_variant", "spot", "observed_at"),
        Index("ix_price_history_market_name", "market", "spot", "observed_at"),
    )


class ProviderHealth(Base):
    __tablename__ = "provider_health"

    provider: Mapped[str] = mapped_column(ForeignKey("providers.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(10))  # up | degraded | down
    last_sync_ts: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    offers: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    mode: Mapped[str] = mapped_column(String(10), default="snapshot")  # snapshot | live
    #: How old the provider's prices are: the newest ``price_as_of`` of its last good sync (kept when a
    #: later sync fails, so an outage shows the data growing old).
    data_as_of: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: Consecutive failed syncs, and until when the circuit breaker skips the provider (catalog.schedule).
    failures: Mapped[int] = mapped_column(Integer, default=0)
    breaker_open_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class PriceEvent(Base):
    """One change of an offer's price or availability found by an ingestion, numbered for the price
    stream: ``seq`` orders the events and is what a client resumes from (kept ``price_event_keep_h``)."""

    __tablename__ = "price_events"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    offer_id: Mapped[str] = mapped_column(String(64))
    provider: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: The message fields (catalog.stream.MESSAGE_FIELDS) and the offer's attributes the filters read.
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)

    __table_args__ = (Index("ix_price_events_created", "created_at"),)


class MarketForecast(Base):
    """The last good 30-day forecast of one market (a GPU model and rental type), served to requests
    so that no request waits for a model fit; recomputed in the background when history changes."""

    __tablename__ = "market_forecasts"

    market: Mapped[str] = mapped_column(String(40), primary_key=True)  # e.g. "H100_SXM"
    rental_type: Mapped[str] = mapped_column(String(10), primary_key=True)  # on_demand | spot
    gpu_family: Mapped[str] = mapped_column(String(30))
    gpu_variant: Mapped[str | None] = mapped_column(String(30))
    gpu_memory_gb: Mapped[float | None] = mapped_column(Float)
    last_date: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    history_days: Mapped[int] = mapped_column(Integer)
    model: Mapped[str] = mapped_column(String(40))
    backtest_mape: Mapped[float | None] = mapped_column(Float)
    points: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    warnings: Mapped[list[str]] = mapped_column(JSONType, default=list)
    fingerprint: Mapped[str] = mapped_column(String(80))  # the history it was computed from
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: The market's chained matched-panel index: ``{"last_date", "model", "trend", "points", "history"}``
    #: (catalog.forecast.index); the trend statements and per-offer forecasts come from it.
    market_index: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
