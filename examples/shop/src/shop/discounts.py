"""Discount rules."""

import jaunt
from shop.money import Money


@jaunt.magic(deps="shop.cart:Cart.total", prompt="Round half up to the cent.")
def apply_discount(total: Money, percent: int) -> Money:
    """Take `percent` (0..100, else ValueError) off `total`."""
