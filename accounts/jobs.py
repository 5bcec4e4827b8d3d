"""Background jobs of accounts, run by the worker (core.jobs).

- ``accounts.purge_expired_flows`` (every 15 minutes): deletes sign-in flows (MFA challenges, WebAuthn
  and OIDC states, refresh tokens) that expired or were used. Deleting what is already gone is a no-op,
  so overlapping runs are harmless.
"""

from __future__ import annotations

import logging

from accounts.maintenance import purge_expired_flows
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
