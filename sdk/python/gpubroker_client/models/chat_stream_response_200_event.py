from enum import StrEnum


class ChatStreamResponse200Event(StrEnum):
    APPROVAL_REQUIRED = "approval_required"
    END = "end"
    ERROR = "error"
    METADATA = "metadata"
    RESULT = "result"
    TOKEN = "token"
    TOOL_END = "tool_end"
    TOOL_START = "tool_start"

    def __str__(self) -> str:
        return str(self.value)
