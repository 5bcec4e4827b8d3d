from enum import StrEnum


class ProviderHealthOutModeType0(StrEnum):
    LIVE = "live"
    SNAPSHOT = "snapshot"

    def __str__(self) -> str:
        return str(self.value)
