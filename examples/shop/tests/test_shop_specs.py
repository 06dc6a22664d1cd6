"""Test specs: jaunt generates pytest tests from these descriptions."""

import jaunt
from shop.cart import Cart
from shop.catalog import Product, cheapest
from shop.discounts import apply_discount
from shop.money import Money, parse_money


@jaunt.test
def test_money_formats_and_parses() -> None:
    """str(Money(1230)) is "12.30 EUR" and parse_money reads it back."""


@jaunt.test
def test_cart_total_merges_lines() -> None:
    """Adding the same product twice merges the line; the total is price × 3."""


@jaunt.test
def test_discount_rounds_half_up() -> None:
    """10% off 0.05 EUR is 0.05 EUR (0.045 rounds half up)."""


@jaunt.test
def test_cheapest_orders_by_price_then_name() -> None:
    """cheapest() returns the n lowest-priced products, ties broken by name."""
