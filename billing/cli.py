"""``gpubroker bill``: the daily billing run from the terminal or a scheduler (cron, a Kubernetes
CronJob). Meters every booking up to the end of the day, then issues each tenant's invoice of that day
(or records it in Kill Bill). Idempotent: running it twice for a day issues nothing new.

``api/cli.py`` mounts it with ``billing.cli.add_parser(sub)``; ``cmd_bill`` follows the signature of
the other commands there.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime, timedelta
from typing import Any

from core.settings import Settings


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from exc


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "bill", help="meter usage and issue the invoices of one closed UTC day (idempotent)"
    )
    p.add_argument("--day", type=_day, help="the UTC day to bill, YYYY-MM-DD (default: yesterday)")
    p.add_argument("--tenant", help="only this tenant id")
    p.add_argument("--json", action="store_true", help="print the run's report as one JSON object")
    p.set_defaults(func=cmd_bill)
    return p


def cmd_bill(args: argparse.Namespace, settings: Settings) -> int:
    import catalog.models  # noqa: F401  (bookings reference offers: the mapper needs the table)
    from billing import service
    from core.db import make_engine, make_session_factory
    from core.errors import AppError

    day: date = args.day or (datetime.now(UTC).date() - timedelta(days=1))
    engine = make_engine(settings.database_url)
    try:
        out = service.run_billing(make_session_factory(engine), settings, day, tenant_id=args.tenant)
    except AppError as exc:
        print(f"billing {day.isoformat()} failed: {exc.message}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    if args.json:
        print(out.model_dump_json())
    else:
        m = out.metered
        print(f"billing {day.isoformat()} ({out.ledger} ledger)")
        print(
            f"  metered {m.bookings} bookings up to {m.until:%Y-%m-%d %H:%M} UTC: "
            f"{m.written} new usage records, {m.updated} updated, {m.unchanged} unchanged"
        )
        if out.ledger == "killbill":
            print(f"  usage records sent to Kill Bill: {out.usage_exported}")
        else:
            print(f"  invoices issued: {', '.join(out.invoices_created) or 'none'}")
            if out.invoices_existing:
                print(f"  already issued before: {', '.join(out.invoices_existing)}")
            for waiting in out.deferred:
                print(f"  deferred: tenant {waiting['tenant_id']}: {waiting['reason']}")
        for warning in out.warnings:
            print(f"  warning: {warning}")
        for error in out.errors:
            print(f"  error: tenant {error['tenant_id']}: {error['message']}", file=sys.stderr)
    return 1 if out.errors else 0


def main(argv: list[str] | None = None) -> int:
    """Runs ``bill`` alone (``python -m billing.cli --day ...``) until api/cli.py mounts it."""
    from core.settings import get_settings

    parser = argparse.ArgumentParser(prog="gpubroker")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["bill", *(argv if argv is not None else sys.argv[1:])])
    return int(args.func(args, get_settings()))


if __name__ == "__main__":
    sys.exit(main())
