from enum import StrEnum


class PriceEventsGeoType0(StrEnum):
    AF = "af"
    ASIA = "asia"
    EU = "eu"
    ME = "me"
    NA = "na"
    OCEANIA = "oceania"
    SA = "sa"

    def __str__(self) -> str:
        return str(self.value)
