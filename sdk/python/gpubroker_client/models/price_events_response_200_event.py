from enum import StrEnum


class PriceEventsResponse200Event(StrEnum):
    HEARTBEAT = "heartbeat"
    PRICE_UPDATE = "price_update"
    RESYNC = "resync"
    SUBSCRIBED = "subscribed"

    def __str__(self) -> str:
        return str(self.value)
