from enum import StrEnum


class RunCreateIfNotExists(StrEnum):
    CREATE = "create"
    REJECT = "reject"

    def __str__(self) -> str:
        return str(self.value)
