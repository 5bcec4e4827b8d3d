"""billing: minor units, corrections, credit notes, tax, payments, receipts, currency history;
booking_transitions.occurred_at

- booking_transitions.occurred_at: the provider's time of each change (backfilled from the booking's
  activated_at / ended_at, else the processing time), so invoices can be recomputed from the log;
- usage_records.amount and invoice_lines.amount_usd become exact (Numeric(24, 12)); a line no longer
  owns its usage record (corrections add lines for the same record), manual credit lines have none;
- invoices: kind (invoice | credit_note), corrects_id, period_key (replaces the one-per-day unique),
  buyer and seller snapshot, FX fallback note, net/tax/total in integer minor units of the currency
  (total 6846.74 JPY becomes 6847: the old column could not hold the currency), tax, due date and
  payment terms, paid/void fields; status issued -> open;
- invoice_sequences gets a series (INV, CN) in its key;
- new: billing_currency_periods (seeded with each account's currency), invoice_payments,
  invoice_deliveries, killbill_exports; billing_accounts gets country, vat_id, address.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 03:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import iso4217
import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EXACT = sa.Numeric(precision=24, scale=12)
CENTS = sa.Numeric(precision=14, scale=2)


def _exponent(currency: str) -> int:
    try:
        exponent = iso4217.Currency(currency).exponent
    except ValueError:
        return 2
    return 2 if exponent is None else int(exponent)


def _day(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return datetime.fromisoformat(str(value)).date()


def upgrade() -> None:
    with op.batch_alter_table("booking_transitions") as batch:
        batch.add_column(sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE booking_transitions SET occurred_at = at")
    op.execute(
        "UPDATE booking_transitions SET occurred_at = (SELECT b.activated_at FROM bookings b "
        "WHERE b.id = booking_transitions.booking_id) WHERE to_state = 'active' AND EXISTS "
        "(SELECT 1 FROM bookings b WHERE b.id = booking_transitions.booking_id AND b.activated_at IS NOT NULL)"
    )
    op.execute(
        "UPDATE booking_transitions SET occurred_at = (SELECT b.ended_at FROM bookings b "
        "WHERE b.id = booking_transitions.booking_id) WHERE from_state = 'active' AND EXISTS "
        "(SELECT 1 FROM bookings b WHERE b.id = booking_transitions.booking_id AND b.ended_at IS NOT NULL)"
    )

    with op.batch_alter_table("usage_records") as batch:
        batch.alter_column("amount", type_=EXACT, existing_type=CENTS, existing_nullable=False)

    with op.batch_alter_table("billing_accounts") as batch:
        batch.add_column(sa.Column("country", sa.String(length=2), nullable=True))
        batch.add_column(sa.Column("vat_id", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("address", sa.String(length=400), nullable=True))

    op.create_table(
        "billing_currency_periods",
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_billing_currency_periods_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "valid_from", name=op.f("pk_billing_currency_periods")),
    )
    # Existing accounts keep the currency they had, for every day already billed or not.
    op.execute(
        "INSERT INTO billing_currency_periods (tenant_id, valid_from, currency, set_at) "
        "SELECT tenant_id, DATE '1999-01-01', currency, updated_at FROM billing_accounts"
        if op.get_bind().dialect.name == "postgresql"
        else "INSERT INTO billing_currency_periods (tenant_id, valid_from, currency, set_at) "
        "SELECT tenant_id, '1999-01-01', currency, updated_at FROM billing_accounts"
    )

    with op.batch_alter_table("invoice_sequences", recreate="always") as batch:
        batch.add_column(sa.Column("series", sa.String(length=8), nullable=False, server_default="INV"))
        batch.drop_constraint("pk_invoice_sequences", type_="primary")
        batch.create_primary_key("pk_invoice_sequences", ["tenant_id", "series", "year"])
    with op.batch_alter_table("invoice_sequences") as batch:
        batch.alter_column("series", server_default=None, existing_type=sa.String(length=8))

    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=12), nullable=False, server_default="invoice"))
        batch.add_column(sa.Column("corrects_id", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("period_key", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("bill_to_address", sa.String(length=400), nullable=True))
        batch.add_column(sa.Column("bill_to_country", sa.String(length=2), nullable=True))
        batch.add_column(sa.Column("bill_to_vat_id", sa.String(length=20), nullable=True))
        batch.add_column(
            sa.Column("seller_name", sa.String(length=200), nullable=False, server_default="GPUBroker")
        )
        batch.add_column(sa.Column("seller_address", sa.String(length=400), nullable=True))
        batch.add_column(sa.Column("seller_tax_id", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("fx_note", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("net_minor", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("tax_minor", sa.BigInteger(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("total_minor", sa.BigInteger(), nullable=True))
        batch.add_column(
            sa.Column("tax_rate", sa.Numeric(precision=7, scale=4), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("tax_country", sa.String(length=2), nullable=True))
        batch.add_column(
            sa.Column(
                "tax_note",
                sa.String(length=300),
                nullable=False,
                server_default="No tax calculated (issued before tax was supported)",
            )
        )
        batch.add_column(sa.Column("reverse_charge", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("due_date", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column("payment_terms", sa.String(length=80), nullable=False, server_default="Net 14 days")
        )
        batch.add_column(sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("void_reason", sa.String(length=400), nullable=True))
        batch.add_column(sa.Column("memo", sa.String(length=400), nullable=True))
        batch.add_column(sa.Column("receipt_claimed_at", sa.DateTime(timezone=True), nullable=True))

    conn = op.get_bind()
    invoices = sa.table(
        "invoices",
        sa.column("id", sa.String),
        sa.column("day", sa.Date),
        sa.column("currency", sa.String),
        sa.column("total", CENTS),
        sa.column("issued_at", sa.DateTime),
        sa.column("period_key", sa.String),
        sa.column("net_minor", sa.BigInteger),
        sa.column("total_minor", sa.BigInteger),
        sa.column("due_date", sa.Date),
    )
    for row in conn.execute(
        sa.select(invoices.c.id, invoices.c.day, invoices.c.currency, invoices.c.total, invoices.c.issued_at)
    ).all():
        places = _exponent(str(row.currency))
        minor = int(
            (Decimal(str(row.total)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)).scaleb(
                places
            )
        )
        conn.execute(
            invoices.update()
            .where(invoices.c.id == row.id)
            .values(
                period_key=f"{_day(row.day).isoformat()}#1",
                net_minor=minor,
                total_minor=minor,
                due_date=_day(row.issued_at) + timedelta(days=14),
            )
        )
    op.execute("UPDATE invoices SET status = 'open' WHERE status = 'issued'")

    with op.batch_alter_table("invoices") as batch:
        batch.alter_column("period_key", nullable=False, existing_type=sa.String(length=40))
        batch.alter_column("net_minor", nullable=False, existing_type=sa.BigInteger())
        batch.alter_column("total_minor", nullable=False, existing_type=sa.BigInteger())
        batch.alter_column("due_date", nullable=False, existing_type=sa.Date())
        for name, type_ in (
            ("kind", sa.String(length=12)),
            ("seller_name", sa.String(length=200)),
            ("tax_minor", sa.BigInteger()),
            ("tax_rate", sa.Numeric(precision=7, scale=4)),
            ("tax_note", sa.String(length=300)),
            ("reverse_charge", sa.Boolean()),
            ("payment_terms", sa.String(length=80)),
        ):
            batch.alter_column(name, server_default=None, existing_type=type_)
        batch.drop_column("total")
        batch.drop_constraint("uq_invoices_tenant_day", type_="unique")
        batch.create_unique_constraint("uq_invoices_tenant_period_key", ["tenant_id", "period_key"])
        batch.create_foreign_key(
            op.f("fk_invoices_corrects_id_invoices"), "invoices", ["corrects_id"], ["id"]
        )
    op.create_index("ix_invoices_tenant_day", "invoices", ["tenant_id", "day"], unique=False)

    with op.batch_alter_table("invoice_lines") as batch:
        batch.drop_constraint("uq_invoice_lines_usage_record_id", type_="unique")
        batch.alter_column("usage_record_id", nullable=True, existing_type=sa.String(length=36))
        batch.alter_column("booking_id", nullable=True, existing_type=sa.String(length=36))
        batch.alter_column("hours", nullable=True, existing_type=sa.Numeric(precision=12, scale=6))
        batch.alter_column("unit_price", nullable=True, existing_type=sa.Numeric(precision=14, scale=6))
        batch.alter_column("amount_usd", type_=EXACT, existing_type=CENTS, existing_nullable=False)
    op.create_index("ix_invoice_lines_usage_record_id", "invoice_lines", ["usage_record_id"], unique=False)

    op.create_table(
        "invoice_payments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("invoice_id", sa.String(length=36), nullable=True),
        sa.Column("external_invoice_id", sa.String(length=64), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_invoice_payments_invoice_id_invoices")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_invoice_payments_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_payments")),
        sa.UniqueConstraint("source", "reference", name="uq_invoice_payments_source_reference"),
    )
    op.create_index("ix_invoice_payments_tenant_id", "invoice_payments", ["tenant_id"], unique=False)

    op.create_table(
        "invoice_deliveries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("invoice_id", sa.String(length=36), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("transport", sa.String(length=10), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.String(length=400), nullable=True),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_deliveries_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_deliveries")),
    )
    op.create_index("ix_invoice_deliveries_invoice_id", "invoice_deliveries", ["invoice_id"], unique=False)

    op.create_table(
        "killbill_exports",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("cents", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_killbill_exports_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_killbill_exports")),
        sa.UniqueConstraint("tenant_id", "day", "seq", name="uq_killbill_exports_tenant_day_seq"),
    )
    # Records already sent to Kill Bill: one usage row per tenant-day with the cents it held.
    rows = conn.execute(
        sa.text(
            "SELECT tenant_id, day, amount FROM usage_records WHERE exported_at IS NOT NULL ORDER BY tenant_id, day"
        )
    ).all()
    sent: dict[tuple[str, date], Decimal] = {}
    for tenant_id, day, amount in rows:
        key = (str(tenant_id), _day(day))
        sent[key] = sent.get(key, Decimal(0)) + Decimal(str(amount))
    exports = sa.table(
        "killbill_exports",
        sa.column("id", sa.String),
        sa.column("tenant_id", sa.String),
        sa.column("day", sa.Date),
        sa.column("seq", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("cents", sa.BigInteger),
        sa.column("reference", sa.String),
        sa.column("created_at", sa.DateTime),
    )
    for n, ((tenant_id, day), amount) in enumerate(sorted(sent.items())):
        conn.execute(
            exports.insert().values(
                id=f"00000000-0000-0000-0010-{n:012d}",
                tenant_id=tenant_id,
                day=day,
                seq=1,
                kind="usage",
                cents=int((amount * 100).to_integral_value()),
                reference="exported before migration 0010",
                created_at=datetime(2026, 12, 7),
            )
        )


def downgrade() -> None:
    op.drop_table("killbill_exports")
    op.drop_index("ix_invoice_deliveries_invoice_id", table_name="invoice_deliveries")
    op.drop_table("invoice_deliveries")
    op.drop_index("ix_invoice_payments_tenant_id", table_name="invoice_payments")
    op.drop_table("invoice_payments")
    # The old schema holds one invoice per tenant-day and a usage record on one line: corrections,
    # credit notes and replaced (void) invoices have no place there and are dropped.
    extra = "SELECT id FROM invoices WHERE kind <> 'invoice' OR corrects_id IS NOT NULL"
    op.execute(f"DELETE FROM invoice_lines WHERE usage_record_id IS NULL OR invoice_id IN ({extra})")
    op.execute("UPDATE invoices SET corrects_id = NULL WHERE corrects_id IS NOT NULL")
    op.execute("DELETE FROM invoices WHERE id NOT IN (SELECT invoice_id FROM invoice_lines)")
    op.drop_index("ix_invoice_lines_usage_record_id", table_name="invoice_lines")
    with op.batch_alter_table("invoice_lines") as batch:
        batch.alter_column("amount_usd", type_=CENTS, existing_type=EXACT, existing_nullable=False)
        batch.alter_column("unit_price", nullable=False, existing_type=sa.Numeric(precision=14, scale=6))
        batch.alter_column("hours", nullable=False, existing_type=sa.Numeric(precision=12, scale=6))
        batch.alter_column("booking_id", nullable=False, existing_type=sa.String(length=36))
        batch.alter_column("usage_record_id", nullable=False, existing_type=sa.String(length=36))
        batch.create_unique_constraint("uq_invoice_lines_usage_record_id", ["usage_record_id"])
    op.drop_index("ix_invoices_tenant_day", table_name="invoices")
    op.execute("UPDATE invoices SET status = 'issued' WHERE status IN ('open', 'paid')")
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("total", CENTS, nullable=True))
    conn = op.get_bind()
    old = sa.table("invoices", sa.column("id", sa.String), sa.column("total", CENTS))
    for invoice_id, currency, minor in conn.execute(
        sa.text("SELECT id, currency, total_minor FROM invoices")
    ).all():
        total = Decimal(int(minor)).scaleb(-_exponent(str(currency)))
        conn.execute(old.update().where(old.c.id == invoice_id).values(total=total))
    with op.batch_alter_table("invoices") as batch:
        batch.drop_constraint("fk_invoices_corrects_id_invoices", type_="foreignkey")
        batch.drop_constraint("uq_invoices_tenant_period_key", type_="unique")
        batch.alter_column("total", nullable=False, existing_type=CENTS)
        for name in (
            "receipt_claimed_at",
            "memo",
            "void_reason",
            "voided_at",
            "paid_at",
            "payment_terms",
            "due_date",
            "reverse_charge",
            "tax_note",
            "tax_country",
            "tax_rate",
            "total_minor",
            "tax_minor",
            "net_minor",
            "fx_note",
            "seller_tax_id",
            "seller_address",
            "seller_name",
            "bill_to_vat_id",
            "bill_to_country",
            "bill_to_address",
            "period_key",
            "corrects_id",
            "kind",
        ):
            batch.drop_column(name)
        batch.create_unique_constraint("uq_invoices_tenant_day", ["tenant_id", "day"])
    op.execute("DELETE FROM invoice_sequences WHERE series <> 'INV'")
    with op.batch_alter_table("invoice_sequences", recreate="always") as batch:
        batch.drop_constraint("pk_invoice_sequences", type_="primary")
        batch.drop_column("series")
        batch.create_primary_key("pk_invoice_sequences", ["tenant_id", "year"])
    op.drop_table("billing_currency_periods")
    with op.batch_alter_table("billing_accounts") as batch:
        batch.drop_column("address")
        batch.drop_column("vat_id")
        batch.drop_column("country")
    with op.batch_alter_table("usage_records") as batch:
        batch.alter_column("amount", type_=CENTS, existing_type=EXACT, existing_nullable=False)
    with op.batch_alter_table("booking_transitions") as batch:
        batch.drop_column("occurred_at")
