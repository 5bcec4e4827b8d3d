"""Housekeeping of the accounts tables: sign-in flows that can no longer be used are deleted.

A sign-in flow (a pending second factor, a WebAuthn challenge, an OIDC state/nonce/PKCE triple) is
single-use and lives minutes. Expired or consumed flows are dead weight and hold challenge material,
so they are deleted once a grace period has passed (the grace keeps a flow that expired a moment ago
visible to a request that is reading it). The API runs :func:`purge_expired_flows` periodically;
``gpubroker purge-expired`` runs it once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from accounts.models import AuthFlow

DEFAULT_GRACE = timedelta(minutes=10)


def purge_expired_flows(
    session: Session, now: datetime | None = None, grace: timedelta = DEFAULT_GRACE
) -> int:
    """Delete flows that expired or were consumed more than ``grace`` ago; returns how many."""
    cutoff = (now or datetime.now(UTC)) - grace
    result = session.execute(
        delete(AuthFlow).where(or_(AuthFlow.expires_at < cutoff, AuthFlow.consumed_at < cutoff))
    )
    return int(getattr(result, "rowcount", 0) or 0)
