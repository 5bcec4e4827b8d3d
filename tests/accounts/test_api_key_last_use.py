"""A key's last use is bookkeeping: it is written at most once a minute and never fails the request
it rides on. On SQLite a request's read transaction cannot become a writer once another connection
has written since its first read ("database is locked" at once); CI saw that 500 under load."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update

from accounts import api_keys, service
from accounts.audit import Source
from accounts.models import ApiKey, Role, Tenant
from accounts.service import Ctx, Principal
from api import cli
from core.db import make_engine, make_session_factory, session_scope
from core.settings import Settings


def test_a_busy_sqlite_database_does_not_fail_a_request_over_a_keys_last_use(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'keys.db'}", redis_url=None)
    cli.migrate(settings)
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    with session_scope(factory) as s:
        tenant = service.new_tenant(s, settings, "team")
        user = service.new_user(s, tenant, "admin@example.com", Role.ADMIN, None, "Admin")
        admin = Principal(user.id, tenant.id, "admin", "s", user.email)
        row, key = api_keys.create(s, Ctx(settings=settings, source=Source()), admin, "ci", ["catalog:read"])
        tenant_id, key_id = tenant.id, row.id

    request = factory()
    request.execute(select(ApiKey.id)).all()  # the request's transaction has read
    with session_scope(factory) as other:  # another request writes meanwhile
        other.execute(update(Tenant).where(Tenant.id == tenant_id).values(name="renamed"))
    principal = api_keys.authenticate(request, key)
    request.commit()
    request.close()
    assert principal.api_key_id == key_id and principal.tenant_id == tenant_id
    with factory() as s:
        assert s.get(ApiKey, key_id).last_used_at is None  # type: ignore[union-attr]

    with session_scope(factory) as s:  # the next use writes it
        api_keys.authenticate(s, key)
    with factory() as s:
        assert s.get(ApiKey, key_id).last_used_at is not None  # type: ignore[union-attr]
    engine.dispose()
