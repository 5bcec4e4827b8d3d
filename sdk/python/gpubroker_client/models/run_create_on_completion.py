from enum import StrEnum


class RunCreateOnCompletion(StrEnum):
    DELETE = "delete"
    KEEP = "keep"

    def __str__(self) -> str:
        return str(self.value)
