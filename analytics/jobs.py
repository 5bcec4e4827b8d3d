"""Background jobs of analytics, run by the worker (core.jobs).

- ``analytics.export_clickhouse`` (every minute, when GPUBROKER_CLICKHOUSE_URL is set): copies the facts
  that changed since the last export into ClickHouse. Its tables are ReplacingMergeTree keyed by the
  facts' ids, so a row sent twice (two runs, or a retry after a crash) is one row.
"""

from __future__ import annotations

from analytics import clickhouse, export
from core.db import session_scope
from core.jobs import Runtime, job


@job("analytics.export_clickhouse", cron="* * * * *", queue="analytics", lock="analytics.export_clickhouse")
def export_clickhouse(rt: Runtime) -> dict[str, int]:
    if rt.settings.clickhouse_url is None:
        return {}
    ch = clickhouse.connect(rt.settings.clickhouse_url.get_secret_value())
    with session_scope(rt.session_factory) as session:
        return export.export(session, ch)
