from enum import StrEnum


class OfferOutPriceScope(StrEnum):
    GPU_ONLY = "gpu_only"
    MACHINE = "machine"

    def __str__(self) -> str:
        return str(self.value)
