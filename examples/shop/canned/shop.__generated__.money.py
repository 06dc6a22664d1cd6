from __future__ import annotations

import re
from decimal import Decimal


class Money:
    __slots__ = ("cents", "currency")

    def __init__(self, cents: int, currency: str = "EUR") -> None:
        self.cents = int(cents)
        self.currency = currency

    def __add__(self, other: "Money") -> "Money":
        if not isinstance(other, Money):
            return NotImplemented
        if other.currency != self.currency:
            raise ValueError(f"cannot add {self.currency} and {other.currency}")
        return Money(self.cents + other.cents, self.currency)

    def __mul__(self, quantity: int) -> "Money":
        return Money(self.cents * int(quantity), self.currency)

    __rmul__ = __mul__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Money) and (self.cents, self.currency) == (other.cents, other.currency)

    def __hash__(self) -> int:
        return hash((self.cents, self.currency))

    def __str__(self) -> str:
        sign = "-" if self.cents < 0 else ""
        whole, frac = divmod(abs(self.cents), 100)
        return f"{sign}{whole}.{frac:02d} {self.currency}"

    def __repr__(self) -> str:
        return f"Money({self.cents}, {self.currency!r})"


_MONEY = re.compile(r"^\s*(-?\d+(?:\.\d{1,2})?)\s+([A-Z]{3})\s*$")


def parse_money(text: str) -> Money:
    match = _MONEY.match(text)
    if not match:
        raise ValueError(f"not an amount of money: {text!r}")
    cents = int(Decimal(match.group(1)) * 100)
    return Money(cents, match.group(2))
