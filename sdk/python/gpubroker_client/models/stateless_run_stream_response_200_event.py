from enum import StrEnum


class StatelessRunStreamResponse200Event(StrEnum):
    CHECKPOINTS = "checkpoints"
    CUSTOM = "custom"
    DEBUG = "debug"
    END = "end"
    ERROR = "error"
    EVENTS = "events"
    MESSAGES = "messages"
    MESSAGESCOMPLETE = "messages/complete"
    MESSAGESMETADATA = "messages/metadata"
    MESSAGESPARTIAL = "messages/partial"
    METADATA = "metadata"
    TASKS = "tasks"
    UPDATES = "updates"
    VALUES = "values"

    def __str__(self) -> str:
        return str(self.value)
