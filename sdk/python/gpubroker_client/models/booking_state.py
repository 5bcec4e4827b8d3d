from enum import StrEnum


class BookingState(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    DRAFT = "draft"
    FAILED = "failed"
    PENDING_PROVISION = "pending_provision"

    def __str__(self) -> str:
        return str(self.value)
