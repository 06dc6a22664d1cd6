from __future__ import annotations

from shop.catalog import Product
from shop.money import Money


class Cart:
    def add(self, product: Product, quantity: int = 1) -> None:
        if quantity <= 0:
            raise ValueError(f"quantity must be positive, got {quantity}")
        _, have = self.lines.get(product.sku, (product, 0))
        self.lines[product.sku] = (product, have + quantity)

    def total(self) -> Money:
        total = Money(0, self.currency)
        for product, quantity in self.lines.values():
            total = total + product.price * quantity
        return total
