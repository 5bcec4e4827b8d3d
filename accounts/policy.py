"""The one authorization table: which role may do which action.

Every protected route declares its action through ``accounts.deps.require``; pages ask
:func:`allowed` to hide what a role cannot do. Tenant isolation is separate and absolute: whatever
the role, an id from another tenant is a 404 (the services check it).
"""

from __future__ import annotations

import enum

from accounts.models import Role


class Action(enum.StrEnum):
    ACCOUNT_READ = "account.read"
    ACCOUNT_MFA = "account.mfa"
    ACCOUNT_SESSIONS = "account.sessions"
    DATA_EXPORT = "data.export"
    DATA_ERASE = "data.erase"
    ASSISTANT_USE = "assistant.use"
    TENANT_READ = "tenant.read"
    TENANT_UPDATE = "tenant.update"
    TENANT_DELETE = "tenant.delete"
    USERS_READ = "users.read"
    USERS_INVITE = "users.invite"
    USERS_MANAGE = "users.manage"
    AUDIT_READ = "audit.read"
    API_KEYS_MANAGE = "api_keys.manage"
    BOOKING_READ = "booking.read"
    BOOKING_WRITE = "booking.write"
    PLATFORM_OPERATE = "platform.operate"
    CREDENTIALS_READ = "credentials.read"
    CREDENTIALS_WRITE = "credentials.write"
    SSH_KEYS = "ssh_keys.manage"
    ALERTS_USE = "alerts.use"


_ALL = frozenset(Role)

POLICY: dict[Action, frozenset[Role]] = {
    Action.ACCOUNT_READ: _ALL,
    Action.ACCOUNT_MFA: _ALL,
    Action.ACCOUNT_SESSIONS: _ALL,
    Action.DATA_EXPORT: _ALL,
    Action.DATA_ERASE: _ALL,
    # Auditors look, they do not act: no assistant (it books), no changes.
    Action.ASSISTANT_USE: frozenset({Role.ADMIN, Role.MANAGER, Role.USER}),
    Action.TENANT_READ: frozenset({Role.ADMIN, Role.MANAGER, Role.AUDITOR}),
    Action.TENANT_UPDATE: frozenset({Role.ADMIN}),
    Action.TENANT_DELETE: frozenset({Role.ADMIN}),
    Action.USERS_READ: frozenset({Role.ADMIN, Role.MANAGER, Role.AUDITOR}),
    # Managers may invite, but only as plain users (accounts.service.invite checks the role).
    Action.USERS_INVITE: frozenset({Role.ADMIN, Role.MANAGER}),
    Action.USERS_MANAGE: frozenset({Role.ADMIN}),
    Action.AUDIT_READ: frozenset({Role.ADMIN, Role.AUDITOR}),
    # Team API keys act for the team: only its admins create and revoke them (no key can, whatever scope).
    Action.API_KEYS_MANAGE: frozenset({Role.ADMIN}),
    # The team's bookings: everyone sees them; auditors cannot book, submit, cancel or stop.
    Action.BOOKING_READ: _ALL,
    Action.BOOKING_WRITE: frozenset({Role.ADMIN, Role.MANAGER, Role.USER}),
    # No team role: the operator console is for platform staff (users.operator, see accounts.operators).
    Action.PLATFORM_OPERATE: frozenset(),
    # The team's provider accounts (booking.credentials): which providers have one is the bookers' business
    # too; storing or removing one spends the team's money, so admins only. Values are never shown to anyone.
    Action.CREDENTIALS_READ: frozenset({Role.ADMIN, Role.MANAGER, Role.USER, Role.AUDITOR}),
    Action.CREDENTIALS_WRITE: frozenset({Role.ADMIN}),
    # Everyone keeps their own SSH public keys.
    Action.SSH_KEYS: _ALL,
    # Price alerts are one's own notices about public prices: every role may keep them.
    Action.ALERTS_USE: _ALL,
}

# Roles a role may hand out when inviting; nobody grants more than they are trusted with.
GRANTABLE: dict[Role, frozenset[Role]] = {
    Role.ADMIN: _ALL,
    Role.MANAGER: frozenset({Role.USER}),
    Role.USER: frozenset(),
    Role.AUDITOR: frozenset(),
}


# What a team API key may do, by scope (accounts.api_keys); a key may do nothing else, whatever its
# creator's role. The catalog is public; the scope lets a program say what it is for.
SCOPE_ACTIONS: dict[str, frozenset[Action]] = {
    "catalog:read": frozenset(),
    "assistant": frozenset({Action.ASSISTANT_USE}),
    "bookings": frozenset({Action.BOOKING_READ, Action.BOOKING_WRITE}),
}


def key_allows(scopes: frozenset[str], action: Action) -> bool:
    return any(action in SCOPE_ACTIONS.get(scope, frozenset()) for scope in scopes)


def allowed(role: str, action: Action) -> bool:
    try:
        return Role(role) in POLICY[action]
    except ValueError:
        return False


def can_grant(role: str, granted: str) -> bool:
    try:
        return Role(granted) in GRANTABLE[Role(role)]
    except ValueError:
        return False
