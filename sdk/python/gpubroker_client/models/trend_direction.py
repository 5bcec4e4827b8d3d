from enum import StrEnum


class TrendDirection(StrEnum):
    DOWN = "down"
    FLAT = "flat"
    UP = "up"

    def __str__(self) -> str:
        return str(self.value)
