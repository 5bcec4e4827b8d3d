from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    AUDITOR = "auditor"
    MANAGER = "manager"
    USER = "user"

    def __str__(self) -> str:
        return str(self.value)
