from enum import StrEnum


class ThreadSearchSortBy(StrEnum):
    CREATED_AT = "created_at"
    STATUS = "status"
    THREAD_ID = "thread_id"
    UPDATED_AT = "updated_at"

    def __str__(self) -> str:
        return str(self.value)
