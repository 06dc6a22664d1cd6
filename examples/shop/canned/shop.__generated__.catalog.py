from __future__ import annotations

from shop.catalog import Product


def find_product(catalog: list[Product], sku: str) -> Product | None:
    wanted = sku.lower()
    for product in catalog:
        if product.sku.lower() == wanted:
            return product
    return None


def cheapest(catalog: list[Product], n: int = 3) -> list[Product]:
    return sorted(catalog, key=lambda p: (p.price.cents, p.name))[:n]
