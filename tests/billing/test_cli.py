"""``gpubroker bill`` (``billing.cli``) end to end on a database of its own: it commits, so it does not
share the session's database with the other tests."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

import pytest

from accounts import service as accounts
from accounts.models import Role
from billing import cli
from core.db import make_engine, make_session_factory, session_scope
from core.settings import Settings
from tests.billing.conftest import Team, add_booking, set_account


def test_bill_a_day_twice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from api.cli import migrate

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'bill.db'}", redis_url=None)
    migrate(settings)
    engine = make_engine(settings.database_url)
    with session_scope(make_session_factory(engine)) as session:
        tenant = accounts.new_tenant(session, settings, "CLI team")
        user = accounts.new_user(session, tenant, "cli@example.com", Role.ADMIN, None, None)
        team = Team(tenant.id, user.id)
        set_account(session, team, "CHF")
        add_booking(session, team, activated="2026-10-14 08:00", ended="2026-10-14 10:00")
    engine.dispose()

    parser = argparse.ArgumentParser()
    cli.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["bill", "--day", "2026-10-14"])
    assert args.func is cli.cmd_bill and args.day == date(2026, 10, 14)
    assert cli.cmd_bill(args, settings) == 0
    first = capsys.readouterr().out
    assert "billing 2026-10-14 (builtin ledger)" in first
    assert "invoices issued: INV-2026-000001" in first
    assert cli.cmd_bill(args, settings) == 0
    second = capsys.readouterr().out
    assert "invoices issued: none" in second and "already issued before: INV-2026-000001" in second

    with pytest.raises(SystemExit):
        parser.parse_args(["bill", "--day", "14/10/2026"])
    future = parser.parse_args(["bill", "--day", "2999-01-01"])
    assert cli.cmd_bill(future, settings) == 1
    assert "is not over yet" in capsys.readouterr().err
