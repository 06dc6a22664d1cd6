"""Money amounts, kept as integer cents so sums never drift."""

import jaunt


@jaunt.magic
class Money:
    """An amount of money in one currency.

    - `Money(cents: int, currency: str = "EUR")`; cents may be negative.
    - `a + b` adds two amounts of the same currency; a different currency
      raises ValueError naming both.
    - `m * n` multiplies by an integer quantity.
    - `str(m)` is like "12.30 EUR" (always two decimals, minus sign first).
    - Two Money values are equal when cents and currency are equal.
    """


@jaunt.magic
def parse_money(text: str) -> Money:
    """Parse "12.30 EUR" (or "12 EUR", "-0.5 USD") into Money.

    Raise ValueError with the offending text when it does not match
    `<number> <CURRENCY>` with at most two decimals.
    """
