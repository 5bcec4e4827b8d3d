from enum import StrEnum


class CancelRunAction(StrEnum):
    INTERRUPT = "interrupt"
    ROLLBACK = "rollback"

    def __str__(self) -> str:
        return str(self.value)
