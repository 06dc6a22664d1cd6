from __future__ import annotations

from shop.cart import Cart
from shop.catalog import Product, cheapest
from shop.discounts import apply_discount
from shop.money import Money, parse_money


def test_money_formats_and_parses() -> None:
    assert str(Money(1230)) == "12.30 EUR"
    assert parse_money("12.30 EUR") == Money(1230)
    assert str(Money(-5, "USD")) == "-0.05 USD"


def test_cart_total_merges_lines() -> None:
    pen = Product("P1", "pen", Money(150))
    cart = Cart()
    cart.add(pen)
    cart.add(pen, 2)
    assert len(cart.lines) == 1
    assert cart.total() == Money(450)


def test_discount_rounds_half_up() -> None:
    assert apply_discount(Money(5), 10) == Money(5)
    assert apply_discount(Money(1000), 25) == Money(750)


def test_cheapest_orders_by_price_then_name() -> None:
    a = Product("A", "b-item", Money(100))
    b = Product("B", "a-item", Money(100))
    c = Product("C", "c-item", Money(50))
    assert cheapest([a, b, c], 2) == [c, b]
