"""A shopping cart."""

import jaunt
from shop.catalog import Product
from shop.money import Money


class Cart:
    """Lines of (product, quantity); the arithmetic is generated."""

    def __init__(self, currency: str = "EUR") -> None:
        self.currency = currency
        self.lines: dict[str, tuple[Product, int]] = {}

    @jaunt.magic
    def add(self, product: Product, quantity: int = 1) -> None:
        """Add `quantity` (> 0, else ValueError) of `product`, merging lines by sku."""

    @jaunt.magic
    def total(self) -> Money:
        """Sum of price × quantity over all lines, as Money in the cart's currency."""
