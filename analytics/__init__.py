"""Analytics: KPIs of a team's bookings, usage and invoices, and of the public catalog, computed with SQL
on the main database or in ClickHouse (``GPUBROKER_CLICKHOUSE_URL``) with the same answers."""
