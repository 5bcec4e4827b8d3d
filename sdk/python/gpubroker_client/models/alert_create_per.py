from enum import StrEnum


class AlertCreatePer(StrEnum):
    GPU_HOUR = "gpu_hour"
    HOUR = "hour"

    def __str__(self) -> str:
        return str(self.value)
