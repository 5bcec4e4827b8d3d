from enum import StrEnum


class ApiKeyInScopesItem(StrEnum):
    ASSISTANT = "assistant"
    BOOKINGS = "bookings"
    CATALOGREAD = "catalog:read"

    def __str__(self) -> str:
        return str(self.value)
