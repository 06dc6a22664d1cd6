"""Whole-class specs: ``@jaunt.preserve`` and ``@jaunt.sig`` methods, inner ``@jaunt.magic`` folding."""

from __future__ import annotations

import pytest
from conftest import Project

import jaunt

SPECS = '''
import jaunt


@jaunt.magic
class Account:
    """A bank account."""

    def __init__(self, owner: str, balance: int = 0) -> None: ...

    @jaunt.sig
    def deposit(self, amount: int, *, note: str = "") -> int:
        """Add amount; return the new balance."""

    @jaunt.sig
    @classmethod
    def empty(cls, owner: str) -> "Account": ...

    @jaunt.preserve
    def describe(self) -> str:
        return f"{self.owner}: {self.balance}"

    @jaunt.magic
    def close(self) -> str:
        """Inner magic: part of the class spec."""
        return "the spec's own body"

    @staticmethod
    @jaunt.magic
    def currency() -> str:
        return "spec currency"
'''

GENERATED = """
class Account:
    def __init__(self, owner, balance=0):
        self.owner = owner
        self.balance = balance

    def deposit(self, amount: int, *, note: str = "") -> int:
        self.balance += amount
        return self.balance

    @classmethod
    def empty(cls, owner: str) -> "Account":
        return cls(owner)

    def describe(self):
        return "generated describe"

    def close(self):
        return "closed"

    @staticmethod
    def currency():
        return "EUR"
"""


def write_bank(project: Project, generated: str | None = GENERATED) -> None:
    project.write("bank/__init__.py")
    project.write("bank/account.py", SPECS)
    if generated is not None:
        project.write("bank/__generated__/account.py", generated)


def test_sealed_signatures_that_match_let_the_generated_class_through(project: Project) -> None:
    write_bank(project)
    account = project.load("bank.account")
    generated = project.load("bank.__generated__.account")

    assert account.Account is generated.Account
    acct = account.Account.empty("ann")
    assert acct.deposit(5, note="gift") == 5
    assert acct.close() == "closed"
    assert account.Account.currency() == "EUR"


def test_a_preserved_method_is_the_specs_own_object(project: Project) -> None:
    write_bank(project)
    account = project.load("bank.account")
    generated = project.load("bank.__generated__.account")
    acct = account.Account("ann", 7)
    assert acct.describe() == "ann: 7"
    # The generated class was given the spec's function, not a copy of its code.
    describe = vars(generated.Account)["describe"]
    assert describe.__module__ == "bank.account"
    assert describe.__qualname__ == "Account.describe"


def test_inner_magic_methods_are_folded_into_the_class(project: Project) -> None:
    write_bank(project, generated=None)
    account = project.load("bank.account")
    stand_in = account.Account

    # No forwarder of their own: the methods are the functions as written.
    close = vars(stand_in)["close"]
    currency = vars(stand_in)["currency"]
    assert not hasattr(close, "__jaunt_spec__")
    assert not hasattr(currency.__func__, "__jaunt_spec__")
    assert close.__code__.co_filename.endswith("account.py")
    assert stand_in.currency() == "spec currency"  # a forwarder would raise JauntNotBuiltError
    with pytest.raises(jaunt.JauntNotBuiltError, match=r"bank\.account:Account\b"):
        stand_in("ann")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ('def deposit(self, amount: int, *, note: str = "")', "def deposit(self, amount: int, note: str = '')"),
            r"Account\.deposit to be deposit\(self, amount: int, \*, note: str = ''\) -> int, "
            r"but the generated class has deposit\(self, amount: int, note: str = ''\) -> int",
        ),
        (
            ('def deposit(self, amount: int, *, note: str = "") -> int', "def deposit(self, amount, *, note='')"),
            r"but the generated class has deposit\(self, amount, \*, note=''\)",
        ),
        (("    @classmethod\n    def empty", "    @staticmethod\n    def empty"), r"has a staticmethod empty"),
        (("def deposit(", "def put_in("), r"but the generated class has no such method"),
        (('note: str = ""', 'note: str = "x"'), r"note: str = 'x'"),
    ],
)
def test_a_changed_sealed_signature_fails_on_first_use(
    project: Project, change: tuple[str, str], expected: str
) -> None:
    old, new = change
    assert old in GENERATED
    write_bank(project, GENERATED.replace(old, new))
    account = project.load("bank.account")  # import succeeds

    with pytest.raises(jaunt.JauntGenerationError, match=expected) as excinfo:
        account.Account("ann")
    message = str(excinfo.value)
    assert message.startswith("jaunt spec bank.account:Account: @jaunt.sig requires Account.")
    assert "jaunt apply --force --target bank.account" in message
    assert isinstance(excinfo.value, jaunt.JauntError)


def test_annotations_compare_as_text_across_future_imports(project: Project) -> None:
    project.write("geo/__init__.py")
    project.write(
        "geo/shapes.py",
        """
        from __future__ import annotations

        import decimal

        import jaunt

        @jaunt.magic
        class Square:
            @jaunt.sig
            def scaled(self, factor: decimal.Decimal = decimal.Decimal("1.5")) -> list[Square] | None: ...
        """,
    )
    project.write(
        "geo/__generated__/shapes.py",
        """
        from decimal import Decimal

        class Square:
            def scaled(self, factor: Decimal = Decimal("1.5")) -> list["Square"] | None:
                return [self]
        """,
    )
    shapes = project.load("geo.shapes")
    square = shapes.Square()
    assert square.scaled() == [square]


def test_sig_is_checked_for_class_stubs_under_magic_module(project: Project) -> None:
    project.write("geo/__init__.py")
    project.write(
        "geo/circle.py",
        """
        import jaunt

        jaunt.magic_module(__name__)

        class Circle:
            @jaunt.sig
            def area(self, precision: int = 2) -> float: ...

            @jaunt.magic
            def grow(self) -> None: ...
        """,
    )
    project.write(
        "geo/__generated__/circle.py",
        """
        class Circle:
            def area(self, digits=2):
                return 3.14

            def grow(self):
                pass
        """,
    )
    circle = project.load("geo.circle")
    assert not hasattr(vars(circle.Circle)["grow"], "__jaunt_spec__")  # folded
    with pytest.raises(jaunt.JauntGenerationError, match=r"geo\.circle:Circle: @jaunt\.sig requires Circle\.area"):
        circle.Circle()


def test_sig_above_an_inner_magic_survives_folding(project: Project) -> None:
    project.write(
        "sealed.py",
        """
        import jaunt

        @jaunt.magic
        class Meter:
            @jaunt.sig
            @jaunt.magic
            def read(self, unit: str) -> float: ...
        """,
    )
    project.write("__generated__/sealed.py", "class Meter:\n    def read(self):\n        return 1.0\n")
    sealed = project.load("sealed")
    with pytest.raises(jaunt.JauntGenerationError, match=r"Meter\.read to be read\(self, unit: str\) -> float"):
        sealed.Meter()


def test_markers_return_what_they_mark() -> None:
    def plain(self: object) -> None: ...

    assert jaunt.preserve(plain) is plain
    assert jaunt.preserve()(plain) is plain
    assert jaunt.sig(plain) is plain
    static = staticmethod(plain)
    assert jaunt.sig(static) is static
    prop = property(plain)
    assert jaunt.preserve(prop) is prop

    class Kept:
        pass

    assert jaunt.preserve(Kept) is Kept


@pytest.mark.parametrize(("marker", "obj"), [(jaunt.preserve, 3), (jaunt.sig, type), (jaunt.sig, "text")])
def test_markers_reject_what_they_cannot_mark(marker: object, obj: object) -> None:
    with pytest.raises(TypeError, match=r"@jaunt\.(preserve|sig) applies to"):
        marker(obj)  # type: ignore[operator]


def test_contract_records_deps_and_changes_nothing(project: Project) -> None:
    project.write(
        "canon.py",
        """
        import jaunt

        def helper() -> int:
            return 1

        @jaunt.contract(deps=[helper, "other.mod:Thing"])
        def slugify(text: str) -> str:
            return text.lower().replace(" ", "-")

        @jaunt.contract
        class Stack:
            def __init__(self):
                self.items = []
        """,
    )
    canon = project.load("canon")
    assert canon.slugify("Hello World") == "hello-world"
    assert canon.slugify.__jaunt_contract__ == jaunt.ContractInfo(
        ref="canon:slugify", deps=("canon:helper", "other.mod:Thing")
    )
    assert canon.Stack().items == []
    assert canon.Stack.__jaunt_contract__.deps == ()
    assert not hasattr(canon.slugify, "__jaunt_spec__")
    with pytest.raises(TypeError, match=r"@jaunt\.contract applies to functions, methods and classes"):
        jaunt.contract(42)
