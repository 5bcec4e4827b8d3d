from enum import StrEnum


class PriceEventsSort(StrEnum):
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    PRICE_PER_GPU_ASC = "price_per_gpu_asc"
    UPDATED_DESC = "updated_desc"

    def __str__(self) -> str:
        return str(self.value)
