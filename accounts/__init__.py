"""Accounts and security: tenants, users and roles, sign-in (password, TOTP, WebAuthn, OIDC), the
role x action policy, rate limits, the hash-chained audit log and GDPR requests."""
