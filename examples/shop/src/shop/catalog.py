"""The product catalog."""

from dataclasses import dataclass

import jaunt
from shop.money import Money


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    price: Money


@jaunt.magic
def find_product(catalog: list[Product], sku: str) -> Product | None:
    """Return the product whose sku equals `sku` (case-insensitive), or None."""


@jaunt.magic(prompt="Sort by price, then by name, both ascending.")
def cheapest(catalog: list[Product], n: int = 3) -> list[Product]:
    """The `n` cheapest products of the catalog."""
