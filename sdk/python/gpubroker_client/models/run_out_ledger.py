from enum import StrEnum


class RunOutLedger(StrEnum):
    BUILTIN = "builtin"
    KILLBILL = "killbill"

    def __str__(self) -> str:
        return str(self.value)
