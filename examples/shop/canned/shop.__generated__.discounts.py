from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from shop.money import Money


def apply_discount(total: Money, percent: int) -> Money:
    if not 0 <= percent <= 100:
        raise ValueError(f"percent must be within 0..100, got {percent}")
    kept = Decimal(total.cents) * (100 - percent) / 100
    return Money(int(kept.quantize(Decimal(1), rounding=ROUND_HALF_UP)), total.currency)
