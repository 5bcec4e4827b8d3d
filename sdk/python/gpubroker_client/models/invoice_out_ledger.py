from enum import StrEnum


class InvoiceOutLedger(StrEnum):
    BUILTIN = "builtin"
    KILLBILL = "killbill"

    def __str__(self) -> str:
        return str(self.value)
