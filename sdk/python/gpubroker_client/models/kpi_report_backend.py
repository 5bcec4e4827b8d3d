from enum import StrEnum


class KpiReportBackend(StrEnum):
    CLICKHOUSE = "clickhouse"
    SQL = "sql"

    def __str__(self) -> str:
        return str(self.value)
