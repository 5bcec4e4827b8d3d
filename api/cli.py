"""The ``gpubroker`` command line: migrate, init, sync, search, serve, forecast, bill, eval.

Each command is a unit of work of its own (it commits at its end). Long jobs show a progress bar on
a terminal and end with figures (records/s and per-provider counts for a sync).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import types
import typing
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.settings import ROOT, Settings, get_settings


def _factory(settings: Settings) -> Any:
    from core.db import make_engine, make_session_factory

    return make_session_factory(make_engine(settings.database_url))


# pg_advisory_lock key of `gpubroker migrate` ("gpubroke" as a 64-bit integer): one migration at a time.
MIGRATE_LOCK = 0x6770756272_6F6B65


def migrate(settings: Settings) -> None:
    """Migrations and every one-time setup, so API processes never run DDL: the LangGraph checkpointer's
    tables, the job engine's schema (in migration 0010) and the bus's consumer groups. On PostgreSQL it
    holds an advisory lock throughout, so any number of `migrate` may start at once: the first does the
    work, the others wait for it and find nothing left to do."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from core.db import make_engine

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["database_url"] = settings.database_url
    cfg.attributes["configure_logger"] = False
    if settings.is_sqlite:
        command.upgrade(cfg, "head")
        load_knowledge(settings)
    else:
        engine = make_engine(settings.database_url, pool_size=1)
        try:
            with engine.connect() as conn:
                # Polled, not waited for: a session waiting in pg_advisory_lock sits in a transaction, and
                # the checkpointer's CREATE INDEX CONCURRENTLY in the lock holder waits for every open
                # transaction to end, a deadlock PostgreSQL does not detect.
                while not conn.execute(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": MIGRATE_LOCK}
                ).scalar():
                    conn.commit()
                    time.sleep(0.5)
                conn.commit()
                try:
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, "head")
                    conn.commit()
                    _setup_checkpointer(settings)
                    # Under the lock too: two loaders inserting the same passages collide.
                    load_knowledge(settings)
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATE_LOCK})
                    conn.commit()
        finally:
            engine.dispose()
    if settings.redis_url:
        from api.worker import load_job_modules
        from core.bus import make_bus
        from core.jobs import consumer_groups

        load_job_modules()
        make_bus(settings.redis_url).ensure_groups(consumer_groups())


def _setup_checkpointer(settings: Settings) -> None:
    import asyncio
    import concurrent.futures

    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

    async def setup() -> None:
        async with AsyncPostgresSaver.from_conn_string(_libpq(settings.database_url)) as saver:
            await saver.setup()

    # A loop of its own in a thread: the caller's thread may already run one (tests, notebooks).
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, setup()).result()


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    migrate(settings)
    print(f"database migrated: {_safe_url(settings.database_url)}")
    return 0


def _safe_url(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def run_sync_with_progress(
    settings: Settings,
    providers: list[str] | None,
    quiet: bool = False,
    fetched: dict[str, Any] | None = None,
) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from catalog.adapters.registry import default_provider_ids
    from catalog.ingest import run_sync
    from core.bus import make_bus
    from core.cache import make_cache

    console = Console(stderr=False)
    ids = providers or default_provider_ids(settings)
    factory = _factory(settings)
    cache = make_cache(settings.redis_url)
    # Without Redis this process's bus reaches nobody: its events stay in the outbox for the serving
    # process's worker to relay onto its in-process bus (the price stream, alerts).
    bus = make_bus(settings.redis_url) if settings.redis_url else None
    with Progress(
        TextColumn("[bold]sync[/bold] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=quiet,
        transient=False,
    ) as progress:
        task = progress.add_task(ids[0] if ids else "", total=len(ids))

        def on_progress(provider: str, done: int, total: int) -> None:
            nxt = ids[done] if done < len(ids) else "done"
            progress.update(task, completed=done, description=nxt)

        report = run_sync(
            factory, settings, cache=cache, bus=bus, providers=ids, on_progress=on_progress, fetched=fetched
        )
    if quiet:
        return report
    table = Table(title="sync report")
    # The provider's name is never cut ("digital..."): the status column folds instead.
    width = max((len(p.provider) for p in report.providers), default=8)
    table.add_column("provider", no_wrap=True, min_width=width)
    table.add_column("mode", no_wrap=True)
    for col in ("new", "updated", "same", "skipped", "down"):
        table.add_column(col, justify="right", no_wrap=True)
    table.add_column("status", overflow="fold", min_width=8)
    for p in report.providers:
        status = "ok" if p.error is None else f"degraded: {p.error[:60]}"
        table.add_row(
            p.provider,
            p.mode,
            str(p.inserted),
            str(p.updated),
            str(p.unchanged),
            str(p.rejected),
            str(p.down),
            status,
        )
    console.print(table)
    totals = report.totals()
    console.print(
        f"{report.records} records in {report.seconds:.2f} s = {report.records_per_s:,.0f} records/s; "
        f"inserted {totals['inserted']}, updated {totals['updated']}, unchanged {totals['unchanged']}, "
        f"skipped {totals['rejected']}"
    )
    for line in skipped_rows_summary([r for p in report.providers for r in p.rejections]):
        console.print(line, highlight=False, markup=False)
    return report


def skipped_rows_summary(rejections: list[Any]) -> list[str]:
    """The rows a sync skipped, grouped by provider and reason, in words: a bundled file with a row
    that has no price is how the provider published it, not a failure of this install."""
    if not rejections:
        return []
    groups: dict[tuple[str, str], list[int]] = {}
    for r in rejections:
        # "duplicate of an earlier row with another price (external id 'x')": the id is per row.
        reason = re.sub(r"\s*\([^()]*\)$", "", r.reason)
        groups.setdefault((r.provider, reason), []).append(r.row)
    lines = [
        f"{len(rejections)} {'row' if len(rejections) == 1 else 'rows'} of the providers' files "
        f"{'was' if len(rejections) == 1 else 'were'} skipped; every other row loaded:"
    ]
    for (provider, reason), rows in sorted(groups.items()):
        listed = ", ".join(str(n) for n in rows[:8]) + (f" and {len(rows) - 8} more" if len(rows) > 8 else "")
        lines.append(
            f"  {provider}: {len(rows)} {'row' if len(rows) == 1 else 'rows'}, {reason} "
            f"({'row' if len(rows) == 1 else 'rows'} {listed})"
        )
    return lines


def welcome_lines(settings: Settings, host: str, port: int) -> list[str]:
    """What a newcomer needs once the server is up: where things are, and how to get an account."""
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # nosec B104  # compares, does not bind
    base = settings.public_url.rstrip("/") if settings.public_url else f"http://{shown_host}:{port}"
    mail = (
        f"sent through {settings.smtp_host}"
        if settings.smtp_host
        else f"written as .eml files to {settings.mail_dir} (set GPUBROKER_SMTP_HOST to send it)"
    )
    return [
        f"GPUBroker on {base}",
        f"  marketplace  {base}/",
        f"  assistant    {base}/chat",
        f"  API docs     {base}/docs (ReDoc: {base}/redoc; served from this machine, no internet needed)",
        f"  sign up      {base}/signup: creates your team and makes you its admin",
        "  operator     gpubroker operator grant <your email>: opens the operator console "
        f"({base}/ops) to that account",
        f"  mail         {mail}",
    ]


def cmd_sync(args: argparse.Namespace, settings: Settings) -> int:
    from catalog.adapters.registry import ALL_ADAPTERS

    unknown = [p for p in args.provider or [] if p not in ALL_ADAPTERS]
    if unknown:
        print(
            f"unknown provider(s): {', '.join(unknown)}; known: {', '.join(sorted(ALL_ADAPTERS))}",
            file=sys.stderr,
        )
        return 2
    fetched = None
    if args.from_path is not None:
        fetched = _read_from_file(args, settings)
        if fetched is None:
            return 2
    report = run_sync_with_progress(settings, args.provider or None, fetched=fetched)
    return 1 if all(p.error for p in report.providers) else 0


def _read_from_file(args: argparse.Namespace, settings: Settings) -> dict[str, Any] | None:
    """``sync --provider NAME --from PATH [--as-of DATE]``: that provider's offers from a file in its
    bundled snapshot format (catalog/snapshots/catalog/NAME.csv), for operators who mirror catalogs.
    Offers missing from the file go down, as with any sync. Returns None after printing why not."""
    from catalog.adapters.base import AdapterError
    from catalog.adapters.registry import get_adapter_class

    if not args.provider or len(args.provider) != 1:
        print("--from needs exactly one --provider: the file holds that provider's offers", file=sys.stderr)
        return None
    provider = args.provider[0]
    as_of = None
    if args.as_of:
        try:
            as_of = datetime.fromisoformat(args.as_of)
        except ValueError:
            print(f"--as-of must be an ISO date or time, got {args.as_of!r}", file=sys.stderr)
            return None
        as_of = as_of if as_of.tzinfo else as_of.replace(tzinfo=UTC)
    adapter = get_adapter_class(provider)(settings)
    path = Path(args.from_path)
    try:
        fetched = adapter.fetch_file(path, as_of)
    except AdapterError as exc:
        print(f"cannot read {path}: {exc}", file=sys.stderr)
        return None
    expected = set(adapter.read_csv(adapter.snapshot_path)[0]) if adapter.snapshot_path.exists() else set()
    header = set(fetched.rows[0]) if fetched.rows else set()
    if fetched.rows and expected and not expected <= header:
        missing = ", ".join(sorted(expected - header))
        print(
            f"{path} is not in the format of {adapter.snapshot_file}: missing columns {missing}",
            file=sys.stderr,
        )
        return None
    if not fetched.rows:
        print(f"{path} holds no offers; refusing to mark every {provider} offer down", file=sys.stderr)
        return None
    return {provider: fetched}


def load_history(settings: Settings) -> int:
    from catalog.history import load_observations
    from core.db import session_scope

    with session_scope(_factory(settings)) as session:
        return load_observations(
            session, Path(settings.snapshot_dir) / "price_history" / "gpu_observations_daily.csv"
        )


def load_knowledge(settings: Settings) -> dict[str, int]:
    """The assistant's knowledge base as bundled (agent/knowledge/passages.jsonl), with embeddings on
    PostgreSQL when the `knowledge` extra is installed. Idempotent: unchanged passages are left alone."""
    from agent.knowledge import service as knowledge
    from agent.knowledge.embeddings import embedder
    from core.db import session_scope

    with session_scope(_factory(settings)) as session:
        return knowledge.load(session, None if settings.is_sqlite else lambda: embedder(settings))


def cmd_init(args: argparse.Namespace, settings: Settings) -> int:
    """Migrate, then load the bundled catalog and price history on first run."""
    from catalog import repository as repo
    from core.db import session_scope

    migrate(settings)
    with session_scope(_factory(settings)) as session:
        count = repo.offer_count(session)
    if count == 0 or args.force:
        run_sync_with_progress(settings, None)
    else:
        print(f"catalog already holds {count} offers; run `gpubroker sync` to refresh")
    loaded = load_history(settings)
    if loaded:
        print(f"loaded {loaded} daily price observations")
    markets = refresh_forecasts(settings)
    if markets:
        print(f"forecasts computed for {markets} markets")
    return 0


def refresh_forecasts(settings: Settings, force: bool = False) -> int:
    from catalog import predict
    from core.db import session_scope

    with session_scope(_factory(settings)) as session:
        return predict.refresh_forecasts(session, force=force)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import os

    import uvicorn

    from core.metrics import prepare_multiprocess_dir

    prepare_multiprocess_dir(settings)
    # The app reads its settings from the environment (also in worker processes); --host/--port must
    # reach them too, or the sandbox provider would call back a port nobody listens on.
    if args.host:
        os.environ["GPUBROKER_HOST"] = args.host
    if args.port:
        os.environ["GPUBROKER_PORT"] = str(args.port)
    get_settings.cache_clear()
    settings = get_settings()
    settings.check_production()
    welcome = welcome_lines(settings, args.host or settings.host, args.port or settings.port)
    if settings.log_format == "json":
        # A container's stdout is JSON lines only: the addresses go out as one log record.
        import logging

        logging.getLogger("gpubroker.serve").info("; ".join(line.strip() for line in welcome))
    else:
        print("\n".join(welcome), flush=True)
    uvicorn.run(
        "api.main:app",
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=args.workers,
        log_level=settings.log_level,
        reload=args.reload,
        # None: uvicorn's loggers go through the handler configure_logging set (JSON when asked for).
        log_config=None,
        # The app resolves the client address itself (GPUBROKER_TRUSTED_PROXIES); uvicorn's own default
        # would believe X-Forwarded-For from 127.0.0.1.
        proxy_headers=False,
        timeout_graceful_shutdown=int(settings.shutdown_timeout_s),
    )
    return 0


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    """Runs every background job and event consumer until SIGTERM (api/worker.py)."""
    import asyncio

    from api.worker import run

    concurrency = args.concurrency or settings.worker_concurrency
    return asyncio.run(run(settings, concurrency=concurrency, host=args.host))


def cmd_jobs(args: argparse.Namespace, settings: Settings) -> int:
    """The job engine from the terminal: what is queued, running or failed; run a job now."""
    import asyncio

    from api.worker import load_job_modules
    from core.jobs import make_app

    load_job_modules()
    if settings.is_sqlite:
        print(
            "with SQLite the jobs run inside `gpubroker serve` (make run); there is no queue to show",
            file=sys.stderr,
        )
        return 2
    app = make_app(settings)
    if args.action == "run":
        if not args.name or args.name not in app.tasks:
            known = ", ".join(sorted(n for n in app.tasks if not n.startswith("procrastinate.")))
            print(f"unknown job {args.name!r}; jobs: {known}", file=sys.stderr)
            return 2
        kwargs: dict[str, Any] = {}
        for item in args.kwargs or []:
            key, sep, value = item.partition("=")
            if not sep:
                print(f"arguments are key=value, got {item!r}", file=sys.stderr)
                return 2
            try:
                kwargs[key] = json.loads(value)
            except json.JSONDecodeError:
                kwargs[key] = value  # a plain word is a string

        async def defer() -> int:
            async with app.open_async():
                return await app.tasks[args.name].defer_async(**kwargs)

        print(f"job {args.name} queued as #{asyncio.run(defer())}")
        return 0

    async def listing() -> list[dict[str, Any]]:
        async with app.open_async():
            return [
                {"id": j.id, "job": j.task_name, "status": j.status, "queue": j.queue, "attempts": j.attempts}
                for j in await app.job_manager.list_jobs_async()
                if j.status in ("todo", "doing", "failed")
            ]

    rows = asyncio.run(listing())
    for row in rows[-args.limit :]:
        print(
            f"#{row['id']:<8} {row['status']:<7} {row['job']:<36} queue {row['queue']:<10} attempts {row['attempts']}"
        )
    print(f"{len(rows)} jobs queued, running or failed")
    return 0


def cmd_sandbox_provider(args: argparse.Namespace, settings: Settings) -> int:
    """The sandbox provider as its own process, its state in the database (booking/sandbox.py)."""
    import uvicorn

    from booking.sandbox import SandboxProvider, create_sandbox_app

    app = create_sandbox_app(SandboxProvider(lambda: settings), standalone=True)
    uvicorn.run(
        app,
        host=args.host or settings.host,
        port=args.port,
        log_level=settings.log_level,
        timeout_graceful_shutdown=int(settings.shutdown_timeout_s),
    )
    return 0


#: Short spellings kept for the search options the first version of the command had.
SEARCH_ALIASES = {"gpu_type": ["--gpu"], "gpu_count": ["--count"], "page_size": ["--limit"]}


def add_search_options(p: argparse.ArgumentParser) -> None:
    """One option per filter of ``GET /providers`` (catalog.schemas.OfferFilters), named as the query
    parameter with dashes; the values are validated by the same model, so the terminal and the API
    accept and refuse the same input."""
    from catalog.schemas import OfferFilters

    for name, field in OfferFilters.model_fields.items():
        flags = [f"--{name.replace('_', '-')}", *SEARCH_ALIASES.get(name, [])]
        kind = field.annotation
        union = typing.get_origin(kind) in (typing.Union, types.UnionType)
        options = [a for a in typing.get_args(kind) if a is not type(None)] if union else [kind]
        help_text = field.description or name.replace("_", " ")
        if options == [bool]:
            p.add_argument(
                *flags, dest=name, action=argparse.BooleanOptionalAction, default=None, help=help_text
            )
        elif typing.get_origin(options[0]) is typing.Literal:
            choices = typing.get_args(options[0])
            p.add_argument(*flags, dest=name, choices=choices, default=None, help=help_text)
        else:
            p.add_argument(*flags, dest=name, default=None, metavar=name.upper(), help=help_text)
    p.add_argument("--json", action="store_true", help="print the API's JSON answer")


def search_filters(args: argparse.Namespace) -> Any:
    """The filters the options give, or a ``ValueError`` naming each bad option as it was typed."""
    from pydantic import ValidationError

    from catalog.schemas import OfferFilters

    given = {n: getattr(args, n) for n in OfferFilters.model_fields if getattr(args, n, None) is not None}
    try:
        return OfferFilters(**given)
    except ValidationError as exc:
        problems = [
            f"--{str(e['loc'][0]).replace('_', '-')}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        ]
        raise ValueError("; ".join(problems)) from None


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console
    from rich.table import Table

    from catalog import service
    from core.db import session_scope
    from core.errors import AppError

    try:
        filters = search_filters(args)
        with session_scope(_factory(settings)) as session:
            result = service.search(session, filters)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except AppError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, default=str))
        return 0
    shown = len(result["items"])
    if filters.cursor:
        title = f"{result['total']} offers" + (f", {shown} shown after the cursor" if shown else "")
    else:
        first = (filters.page - 1) * filters.page_size + 1
        title = f"{result['total']} offers" + (f", {first}-{first + shown - 1} shown" if shown else "")
    table = Table(title=title)
    # Names and regions fold onto a second line rather than being cut: "h100-80gb.1" and "h100-80gb.2"
    # must stay apart, whatever the terminal's width.
    items = result["items"]
    table.add_column("provider", no_wrap=True, min_width=max((len(o["provider"]) for o in items), default=8))
    table.add_column("name", overflow="fold")
    table.add_column("gpus", overflow="fold")
    table.add_column("region", overflow="fold")
    for col in ("$/h", "$/GPU-h"):
        table.add_column(col, justify="right", no_wrap=True)
    spot_column = any(o["spot"] for o in items)
    if spot_column:
        table.add_column("spot", no_wrap=True)
    table.add_column("price age", no_wrap=True)
    now = datetime.now(UTC)
    for o in items:
        table.add_row(
            o["provider"],
            o["name"],
            f"{o['gpu_count']}x {o['gpu_family']} {o['gpu_variant'] or ''} {o['gpu_memory_gb']:g}GB",
            o["region"],
            f"{o['price_per_hour']:.2f}",
            f"{o['price_per_gpu_hour']:.2f}",
            *(["yes" if o["spot"] else ""] if spot_column else []),
            service.price_age(o["price_as_of"], now),
        )
    if shown:
        Console().print(table)
    else:
        print("no offers match these filters; try fewer of them, or `gpubroker search --help`")
    for w in result.get("warnings") or []:
        print(f"warning: {w}")
    if result.get("next_cursor"):
        print(f"next page: the same command with --cursor {result['next_cursor']}")
    return 0


def cmd_forecast(args: argparse.Namespace, settings: Settings) -> int:
    from catalog.forecast.service import forecast_command

    started = time.perf_counter()
    result = forecast_command(args.history, horizon=args.horizon)
    if args.json:
        print(json.dumps(result))
    else:
        for m in result["markets"]:
            first, last = m["forecast"][0], m["forecast"][-1]
            print(
                f"{m['gpu_model']:<16} {m['rental_type']:<9} last {m['last_date']} model {m['model']:<14} "
                f"day1 {first['value']:.3f} day{len(m['forecast'])} {last['value']:.3f} "
                f"[{last['low80']:.3f}, {last['high80']:.3f}]"
            )
        print(f"{len(result['markets'])} markets in {time.perf_counter() - started:.1f} s")
    return 0


def cmd_forecast_validate(args: argparse.Namespace, settings: Settings) -> int:
    from catalog.forecast.service import format_validation, validate_command

    history = args.history or str(
        Path(settings.snapshot_dir) / "price_history" / "gpu_observations_daily.csv"
    )
    report = validate_command(history, horizon=args.horizon)
    print(json.dumps(report, default=str) if args.json else format_validation(report))
    return 0


def cmd_purge_expired(args: argparse.Namespace, settings: Settings) -> int:
    """Delete expired and used sign-in flows now (the worker also does it every 15 minutes)."""
    from accounts.maintenance import purge_expired_flows
    from core.db import session_scope

    with session_scope(_factory(settings)) as session:
        purged = purge_expired_flows(session)
    print(f"purged {purged} expired sign-in flows")
    return 0


def cmd_operator(args: argparse.Namespace, settings: Settings) -> int:
    """Grant or revoke the platform operator flag, or list the operators (audited)."""
    from accounts.audit import Source
    from accounts.operators import operators, set_operator
    from accounts.service import Ctx
    from core.db import session_scope
    from core.errors import AppError

    with session_scope(_factory(settings)) as session:
        if args.action == "list":
            for user in operators(session):
                print(f"{user.email}\t{user.tenant_id}")
            return 0
        if not args.email:
            print("an email is needed: gpubroker operator grant|revoke EMAIL", file=sys.stderr)
            return 2
        try:
            user = set_operator(
                session, Ctx(settings=settings, source=Source()), args.email, args.action == "grant"
            )
        except AppError as exc:
            print(exc.message, file=sys.stderr)
            return 1
        print(f"{user.email} is {'now' if user.operator else 'no longer'} a platform operator")
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from evals.runner import DATASETS, DEFAULT_DATASETS, below_thresholds, format_report, run_eval

    paths = (
        [Path(p) for p in args.dataset] if args.dataset else [DATASETS / name for name in DEFAULT_DATASETS]
    )
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        print(f"dataset not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    report = run_eval(paths, _factory(settings), settings, model=args.model)
    print(json.dumps(report) if args.json else format_report(report))
    bad = below_thresholds(report, args.model)
    if bad and args.enforce:
        print("below thresholds: " + "; ".join(bad), file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gpubroker", description="GPUBroker: GPU cloud marketplace")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    p = sub.add_parser("init", help="migrate and load the bundled catalog and history on first run")
    p.add_argument("--force", action="store_true", help="sync the catalog even if it already has offers")
    p.set_defaults(func=cmd_init)
    p = sub.add_parser("sync", help="ingest provider catalogs")
    p.add_argument("--provider", action="append", help="only this provider (repeatable)")
    p.add_argument(
        "--from",
        dest="from_path",
        metavar="PATH",
        help="read that provider's offers from a file in its bundled snapshot format (catalog/snapshots/catalog/NAME.csv)",
    )
    p.add_argument(
        "--as-of", help="when the file's prices were published (ISO date/time; default: the file's mtime)"
    )
    p.set_defaults(func=cmd_sync)
    p = sub.add_parser("serve", help="serve the web pages and API")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--reload", action="store_true")
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("worker", help="run the background jobs and event consumers (any number may run)")
    p.add_argument("--concurrency", type=int, help="jobs run at once (default GPUBROKER_WORKER_CONCURRENCY)")
    p.add_argument("--host", help="where its /healthz and /metrics listen (default GPUBROKER_HOST)")
    p.set_defaults(func=cmd_worker)
    p = sub.add_parser("jobs", help="list queued, running and failed jobs, or run a job now")
    p.add_argument("action", choices=["list", "run"])
    p.add_argument("name", nargs="?", help="the job to run, e.g. billing.close_days")
    p.add_argument("kwargs", nargs="*", help="its arguments as key=value (JSON values)")
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(func=cmd_jobs)
    p = sub.add_parser("sandbox-provider", help="run the sandbox provider as its own process")
    p.add_argument("--host")
    p.add_argument("--port", type=int, default=8081)
    p.set_defaults(func=cmd_sandbox_provider)
    p = sub.add_parser(
        "search",
        help="search offers from the terminal, with every filter of GET /providers",
    )
    add_search_options(p)
    p.set_defaults(func=cmd_search)
    p = sub.add_parser("forecast", help="30-day price forecasts from a history CSV")
    p.add_argument("--history", required=True)
    p.add_argument("--horizon", type=int, default=30)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_forecast)
    p = sub.add_parser("forecast-validate", help="rolling-origin backtest of the forecasts")
    p.add_argument("--history")
    p.add_argument("--horizon", type=int, default=30)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_forecast_validate)
    p = sub.add_parser("operator", help="grant, revoke or list platform operators (the operator console)")
    p.add_argument("action", choices=["grant", "revoke", "list"])
    p.add_argument("email", nargs="?")
    p.set_defaults(func=cmd_operator)
    from billing.cli import add_parser as add_bill_parser

    add_bill_parser(sub)
    sub.add_parser("purge-expired", help="delete expired and used sign-in flows").set_defaults(
        func=cmd_purge_expired
    )
    p = sub.add_parser("eval", help="score the assistant on eval datasets")
    p.add_argument(
        "--dataset", action="append", help="JSON Lines dataset (repeatable); default: the bundled ones"
    )
    p.add_argument("--model", default="offline", help="offline | openai:<model> | ollama:<model>")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--enforce", action="store_true", help="exit 1 below the CI thresholds")
    p.set_defaults(func=cmd_eval)
    return parser


# Commands that serve until stopped: their requests and jobs each get a trace, the process none of its own.
SERVERS = frozenset({"serve", "worker", "sandbox-provider"})


def main(argv: Sequence[str] | None = None) -> int:
    from core.observability import configure_logging
    from core.tracing import configure_tracing, trace_run

    args = build_parser().parse_args(argv)
    settings = get_settings()
    configure_logging(settings)
    configure_tracing(settings)
    if args.command in SERVERS:
        return int(args.func(args, settings))
    with trace_run(f"gpubroker {args.command}"):
        return int(args.func(args, settings))


if __name__ == "__main__":
    sys.exit(main())
