"""Function, method and test specs forward to their generated code."""

from __future__ import annotations

import asyncio
import inspect
import sys

import pytest
from conftest import Project

import jaunt

SPECS = '''
import jaunt

@jaunt.magic
def add(a: int, b: int = 1, *, scale: int = 1) -> int:
    """Add two numbers, then scale."""
    raise AssertionError("spec body must not run")

@jaunt.magic
async def fetch(key: str, /, default: str | None = None) -> str:
    """Look a key up."""
    raise AssertionError("spec body must not run")
'''

GENERATED = """
def add(a, b=1, *, scale=1):
    return (a + b) * scale

async def fetch(key, /, default=None):
    return f"value of {key}"
"""


def test_sync_function_forwards_and_keeps_metadata(project: Project) -> None:
    project.write("shop/__init__.py")
    project.write("shop/calc.py", SPECS)
    project.write("shop/__generated__/__init__.py")
    project.write("shop/__generated__/calc.py", GENERATED)
    calc = project.load("shop.calc")

    assert calc.add(2, 3, scale=10) == 50
    assert calc.add.__name__ == "add"
    assert calc.add.__qualname__ == "add"
    assert calc.add.__doc__ == "Add two numbers, then scale."
    assert calc.add.__module__ == "shop.calc"
    assert inspect.signature(calc.add) == inspect.signature(calc.add.__wrapped__)
    assert str(inspect.signature(calc.add)) == "(a: int, b: int = 1, *, scale: int = 1) -> int"
    assert not inspect.iscoroutinefunction(calc.add)


def test_async_function_stays_a_coroutine_function(project: Project) -> None:
    project.write("shop/__init__.py")
    project.write("shop/calc.py", SPECS)
    project.write("shop/__generated__/calc.py", GENERATED)  # namespace package parent
    calc = project.load("shop.calc")

    assert inspect.iscoroutinefunction(calc.fetch)
    assert asyncio.run(calc.fetch("k")) == "value of k"
    assert inspect.signature(calc.fetch) == inspect.signature(calc.fetch.__wrapped__)
    assert calc.fetch.__doc__ == "Look a key up."


def test_generated_module_is_imported_on_first_call_not_at_decoration(project: Project) -> None:
    project.write("shop/__init__.py")
    project.write("shop/calc.py", SPECS + "\nRATE = 3\n")
    # Generated code may import its spec module; that only works lazily.
    project.write(
        "shop/__generated__/calc.py",
        """
        from shop.calc import RATE

        def add(a, b=1, *, scale=1):
            return (a + b) * RATE
        """,
    )
    calc = project.load("shop.calc")
    assert "shop.__generated__.calc" not in sys.modules

    assert calc.add(1, 1) == 6
    assert "shop.__generated__.calc" in sys.modules


def test_not_built_when_generated_module_is_missing(project: Project) -> None:
    project.write("shop/__init__.py")
    project.write("shop/calc.py", SPECS)
    calc = project.load("shop.calc")

    with pytest.raises(jaunt.JauntNotBuiltError) as excinfo:
        calc.add(1)
    message = str(excinfo.value)
    assert "shop.calc:add" in message
    assert "jaunt apply" in message
    assert "shop.__generated__.calc" in message
    assert excinfo.value.ref == "shop.calc:add"
    assert isinstance(excinfo.value, jaunt.JauntError)

    with pytest.raises(jaunt.JauntNotBuiltError, match=r"shop\.calc:fetch.*jaunt apply"):
        asyncio.run(calc.fetch("k"))


def test_not_built_when_generated_module_lacks_the_name(project: Project) -> None:
    project.write("shop/__init__.py")
    project.write("shop/calc.py", SPECS)
    project.write("shop/__generated__/calc.py", "def add(a, b=1, *, scale=1):\n    return 0\n")
    calc = project.load("shop.calc")

    assert calc.add(1) == 0
    with pytest.raises(jaunt.JauntNotBuiltError, match=r"does not define fetch\. Run `jaunt apply`"):
        asyncio.run(calc.fetch("k"))


def test_missing_import_inside_generated_code_is_not_reported_as_not_built(project: Project) -> None:
    project.write("shop/__init__.py")
    project.write("shop/calc.py", SPECS)
    project.write("shop/__generated__/calc.py", "import no_such_library_for_jaunt_tests\n")
    calc = project.load("shop.calc")

    with pytest.raises(ModuleNotFoundError) as excinfo:
        calc.add(1)
    assert excinfo.value.name == "no_such_library_for_jaunt_tests"


def test_methods_of_plain_classes_forward_with_self(project: Project) -> None:
    project.write("shop/__init__.py")
    project.write(
        "shop/cart.py",
        '''
        import jaunt

        class Cart:
            def __init__(self, prices):
                self.prices = prices

            @jaunt.magic
            def total(self, discount: int = 0) -> int:
                """Sum of prices minus a discount."""

            @staticmethod
            @jaunt.magic
            def currency() -> str: ...

            @jaunt.magic
            @staticmethod
            def rounding(x: float) -> int: ...

            @classmethod
            @jaunt.magic
            def empty(cls) -> "Cart": ...

            @jaunt.magic(prompt="async too")
            @classmethod
            async def load(cls, prices: list[int]) -> "Cart": ...
        ''',
    )
    project.write(
        "shop/__generated__/cart.py",
        """
        class Cart:
            def total(self, discount=0):
                return sum(self.prices) - discount

            @staticmethod
            def currency():
                return "EUR"

            @staticmethod
            def rounding(x):
                return round(x)

            @classmethod
            def empty(cls):
                return cls([])

            @classmethod
            async def load(cls, prices):
                return cls(prices)
        """,
    )
    cart = project.load("shop.cart")

    assert cart.Cart([3, 4]).total(discount=2) == 5
    assert cart.Cart.total.__qualname__ == "Cart.total"
    assert cart.Cart.total.__jaunt_spec__.ref == "shop.cart:Cart.total"
    assert cart.Cart.total.__jaunt_spec__.object_kind == "method"
    assert str(inspect.signature(cart.Cart.total)) == "(self, discount: int = 0) -> int"
    assert cart.Cart.currency() == "EUR"
    assert cart.Cart([]).rounding(2.6) == 3
    # classmethods bind the spec class, the one the caller used.
    empty = cart.Cart.empty()
    assert type(empty) is cart.Cart and empty.prices == []
    loaded = asyncio.run(cart.Cart.load([1]))
    assert type(loaded) is cart.Cart and loaded.prices == [1]


def test_test_specs_are_hidden_from_pytest_and_forward(project: Project) -> None:
    project.write("tests_pkg/__init__.py")
    project.write(
        "tests_pkg/test_cart.py",
        '''
        import jaunt

        @jaunt.test
        def test_total() -> None:
            """The total sums prices."""

        @jaunt.test(deps="shop.cart:Cart.total")
        def test_discount() -> None: ...
        ''',
    )
    project.write(
        "tests_pkg/__generated__/test_cart.py",
        """
        CALLS = []

        def test_total():
            CALLS.append("total")
        """,
    )
    specs = project.load("tests_pkg.test_cart")

    assert specs.test_total.__test__ is False
    assert specs.test_discount.__test__ is False
    assert specs.test_total.__jaunt_spec__.kind == "test"
    assert specs.test_discount.__jaunt_spec__.deps == ("shop.cart:Cart.total",)
    specs.test_total()
    assert project.load("tests_pkg.__generated__.test_cart").CALLS == ["total"]
    with pytest.raises(jaunt.JauntNotBuiltError, match="tests_pkg.test_cart:test_discount"):
        specs.test_discount()


def test_magic_specs_are_not_marked_as_non_tests(project: Project) -> None:
    project.write("shop/__init__.py")
    project.write("shop/calc.py", SPECS)
    calc = project.load("shop.calc")
    assert not hasattr(calc.add, "__test__")
