from enum import StrEnum


class AlertCreateChannelsItem(StrEnum):
    EMAIL = "email"
    IN_APP = "in_app"
    WEBHOOK = "webhook"

    def __str__(self) -> str:
        return str(self.value)
