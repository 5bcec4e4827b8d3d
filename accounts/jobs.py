"""Background jobs of accounts, run by the worker (core.jobs).

- ``accounts.apply_retention`` (daily, 03:40 UTC): deletes what is past its retention by the rules the
  domains registered in ``core.retention``, each rule in its own transaction, and records what it deleted
  (rule, cutoff, rows) as a ``retention.applied`` entry in the global audit chain. Deleting what is gone
  already is a no-op, so overlapping runs are harmless.
- ``accounts.purge_expired_flows`` (every 15 minutes): deletes sign-in flows (MFA challenges, WebAuthn
  and OIDC states, refresh tokens) that expired or were used. Deleting what is already gone is a no-op,
  so overlapping runs are harmless.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from accounts.audit import Actor, Source
from accounts.maintenance import purge_expired_flows
from accounts.service import Ctx, record
from core import retention
from core.db import session_scope
from core.jobs import Runtime, job

log = logging.getLogger(__name__)


@job("accounts.purge_expired_flows", cron="*/15 * * * *", queue="default")
def purge_flows(rt: Runtime) -> int:
    with session_scope(rt.session_factory) as session:
        purged = purge_expired_flows(session)
    if purged:
        log.info("purged %d expired sign-in flows", purged)
    return purged


@job("accounts.apply_retention", cron="40 3 * * *", queue="default", lock="accounts.apply_retention")
def apply_retention(rt: Runtime) -> dict[str, int]:
    deleted: dict[str, int] = {}
    cutoffs: dict[str, str] = {}
    now = datetime.now(UTC)
    for r in retention.RULES:
        cutoff = now - timedelta(days=r.days(rt.settings))
        with session_scope(rt.session_factory) as session:
            deleted[r.name] = r.apply(session, cutoff)
        cutoffs[r.name] = cutoff.isoformat()
    with session_scope(rt.session_factory) as session:
        record(
            session,
            Ctx(settings=rt.settings, source=Source(), bus=rt.bus),
            "retention.applied",
            "success",
            tenant_id=None,
            actor=Actor("system", "retention"),
            details={"deleted": deleted, "cutoffs": cutoffs},
        )
    if any(deleted.values()):
        log.info("retention deleted %s", deleted)
    return deleted
