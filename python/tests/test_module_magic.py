"""``jaunt.magic_module(__name__)``: top-level stubs forward, handwritten names stay."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import py_compile
import sys
import warnings
from types import ModuleType

import pytest
from conftest import Project

import jaunt

SPECS = '''
import functools

import jaunt

jaunt.magic_module(__name__, prompt="Amounts are in cents.", deps=["shop.money:Money"])

RATE = 3


def ellipsis_stub(a: int, b: int = 1) -> int:
    """Add, then scale by the rate."""
    ...


def docstring_stub(x: int) -> int:
    """Only a docstring."""


def pass_stub() -> str:
    pass


def raise_stub() -> str:
    raise NotImplementedError


def raise_call_stub() -> str:
    """Docstring, then a raise with a message."""
    raise NotImplementedError("written by jaunt")


async def async_stub(key: str) -> str:
    """Look a key up."""


def handwritten(x: int) -> int:
    """A real body: calls a stub through the module's globals."""
    return docstring_stub(x) + 1


@functools.cache
def decorated() -> str: ...


@jaunt.preserve
def preserved() -> str:
    """Kept as written although its body is a stub."""


@jaunt.magic(prompt="Its own options.")
def explicit(x: int) -> int: ...


def redefined() -> str: ...


def redefined() -> str:
    return "second, handwritten"


def rebound() -> str: ...


rebound = handwritten
'''

GENERATED = """
from shop.calc import RATE

def ellipsis_stub(a, b=1):
    return (a + b) * RATE

def docstring_stub(x):
    return x * 10

def pass_stub():
    return "pass"

def raise_stub():
    return "raise"

def raise_call_stub():
    return "raise call"

async def async_stub(key):
    return f"value of {key}"

def explicit(x):
    return -x

# Generated versions of handwritten names: never used.
def handwritten(x):
    return "generated"

def decorated():
    return "generated"

def preserved():
    return "generated"

def redefined():
    return "generated"
"""

STUBS = ["ellipsis_stub", "docstring_stub", "pass_stub", "raise_stub", "raise_call_stub", "async_stub"]


def write_shop(project: Project, generated: str | None = GENERATED) -> None:
    project.write("shop/__init__.py")
    project.write("shop/calc.py", SPECS)
    if generated is not None:
        project.write("shop/__generated__/__init__.py")
        project.write("shop/__generated__/calc.py", generated)


def test_every_stub_form_forwards_to_its_generated_implementation(project: Project) -> None:
    write_shop(project)
    calc = project.load("shop.calc")

    assert calc.ellipsis_stub(1, 2) == 9
    assert calc.docstring_stub(4) == 40
    assert calc.pass_stub() == "pass"
    assert calc.raise_stub() == "raise"
    assert calc.raise_call_stub() == "raise call"
    assert asyncio.run(calc.async_stub("k")) == "value of k"
    assert inspect.iscoroutinefunction(calc.async_stub)
    assert str(inspect.signature(calc.ellipsis_stub)) == "(a: int, b: int = 1) -> int"
    assert calc.ellipsis_stub.__doc__ == "Add, then scale by the rate."
    for name in STUBS:
        spec = getattr(calc, name).__jaunt_spec__
        assert spec.ref == f"shop.calc:{name}"
        assert spec.prompt == "Amounts are in cents."
        assert spec.deps == ("shop.money:Money",)
    assert calc.async_stub.__jaunt_spec__.object_kind == "async_function"


def test_handwritten_names_are_untouched(project: Project) -> None:
    write_shop(project)
    calc = project.load("shop.calc")

    assert calc.RATE == 3
    assert not hasattr(calc.handwritten, "__jaunt_spec__")
    assert calc.decorated() is None  # @functools.cache on a stub body: handwritten
    assert calc.preserved() is None  # @jaunt.preserve: handwritten
    assert calc.redefined() == "second, handwritten"  # the last definition is the one bound
    assert calc.rebound is calc.handwritten  # a name rebound after its stub is left alone
    assert calc.explicit(3) == -3
    assert calc.explicit.__jaunt_spec__.prompt == "Its own options."


def test_the_modules_own_code_reaches_forwarders_through_its_globals(project: Project) -> None:
    write_shop(project)
    calc = project.load("shop.calc")
    # handwritten() reads docstring_stub from the module's globals, not
    # through an attribute access: the stub there must be the forwarder.
    assert calc.handwritten(2) == 21
    assert vars(calc)["docstring_stub"] is calc.docstring_stub
    assert hasattr(vars(calc)["docstring_stub"], "__jaunt_spec__")


def test_from_import_in_another_module_gets_the_forwarder(project: Project) -> None:
    write_shop(project)
    project.write(
        "shop/checkout.py",
        """
        from shop.calc import docstring_stub, ellipsis_stub, handwritten

        def pay(x):
            return ellipsis_stub(x) + docstring_stub(x) + handwritten(x)
        """,
    )
    # shop.calc is first imported by shop.checkout's `from ... import`.
    assert "shop.calc" not in sys.modules
    checkout = project.load("shop.checkout")
    calc = project.load("shop.calc")

    assert checkout.ellipsis_stub is calc.ellipsis_stub
    assert checkout.ellipsis_stub.__jaunt_spec__.ref == "shop.calc:ellipsis_stub"
    assert checkout.pay(1) == 6 + 10 + 11


def test_from_import_after_the_module_was_imported(project: Project) -> None:
    write_shop(project)
    importlib.import_module("shop.calc")
    project.write("shop/later.py", "from shop.calc import raise_stub\n")
    later = project.load("shop.later")
    assert later.raise_stub() == "raise"
    assert hasattr(later.raise_stub, "__jaunt_spec__")


def test_the_module_gets_its_plain_class_back_once_settled(project: Project) -> None:
    write_shop(project)
    calc = project.load("shop.calc")
    calc.RATE  # noqa: B018 - the first access settles the module
    assert type(calc) is ModuleType


def test_unbuilt_module_imports_and_stubs_raise_when_called(project: Project) -> None:
    write_shop(project, generated=None)
    calc = project.load("shop.calc")  # never raises at import

    assert calc.handwritten.__name__ == "handwritten"
    for name in ["ellipsis_stub", "docstring_stub", "pass_stub", "raise_stub", "raise_call_stub"]:
        with pytest.raises(jaunt.JauntNotBuiltError) as excinfo:
            getattr(calc, name)()
        assert f"shop.calc:{name}" in str(excinfo.value)
        assert "jaunt apply" in str(excinfo.value)
    with pytest.raises(jaunt.JauntNotBuiltError, match=r"shop\.calc:async_stub"):
        asyncio.run(calc.async_stub("k"))
    # A handwritten function calling a stub reaches the forwarder, which raises.
    with pytest.raises(jaunt.JauntNotBuiltError, match=r"shop\.calc:docstring_stub"):
        calc.handwritten(1)
    assert calc.preserved() is None


def test_a_name_missing_from_the_generated_module_is_not_built(project: Project) -> None:
    write_shop(project, generated=GENERATED.replace("def pass_stub():", "def renamed():"))
    calc = project.load("shop.calc")
    assert calc.raise_stub() == "raise"
    with pytest.raises(jaunt.JauntNotBuiltError, match=r"does not define pass_stub\. Run `jaunt apply`"):
        calc.pass_stub()


CLASSES = '''
import dataclasses

import jaunt

jaunt.magic_module(__name__)


class Email:
    """An email address, validated on construction."""


class Cart:
    """A cart of prices."""

    def __init__(self, prices: list[int]) -> None:
        self.prices = prices

    def total(self) -> int:
        """Sum of the prices."""

    @jaunt.preserve
    def label(self) -> str:
        return f"cart of {len(self.prices)}"


class Handwritten:
    def size(self) -> int:
        return 1


class AllPreserved:
    @jaunt.preserve
    def size(self) -> int: ...


@dataclasses.dataclass
class Point:
    x: int
'''

GENERATED_CLASSES = """
class Email:
    def __init__(self, address):
        self.address = address

class Cart:
    def __init__(self, prices):
        self.prices = prices

    def total(self):
        return sum(self.prices)

    def label(self):
        return "generated label"

class Handwritten:
    pass

class AllPreserved:
    pass

class Point:
    pass
"""


def test_class_stubs_become_the_generated_classes(project: Project) -> None:
    project.write("mail/__init__.py")
    project.write("mail/box.py", CLASSES)
    project.write("mail/__generated__/box.py", GENERATED_CLASSES)
    box = project.load("mail.box")
    generated = project.load("mail.__generated__.box")

    assert box.Email is generated.Email
    assert box.Email("a@b.c").address == "a@b.c"
    assert box.Cart is generated.Cart
    assert box.Cart([2, 3]).total() == 5
    assert box.Cart([2, 3]).label() == "cart of 2"  # @jaunt.preserve: the spec's method runs
    assert box.Cart.__jaunt_spec__.ref == "mail.box:Cart"
    # Real bodies, all stub methods preserved, or another decorator: handwritten.
    for name in ["Handwritten", "AllPreserved", "Point"]:
        assert getattr(box, name) is not getattr(generated, name)
        assert getattr(box, name).__module__ == "mail.box"
    assert box.Handwritten().size() == 1


def test_unbuilt_class_stubs_raise_when_instantiated(project: Project) -> None:
    project.write("mail/__init__.py")
    project.write("mail/box.py", CLASSES)
    box = project.load("mail.box")

    with pytest.raises(jaunt.JauntNotBuiltError, match=r"mail\.box:Email .*jaunt apply"):
        box.Email("a@b.c")
    with pytest.raises(jaunt.JauntNotBuiltError, match=r"mail\.box:Cart"):
        box.Cart([1])
    assert box.Handwritten().size() == 1


def test_generated_code_may_import_the_spec_module(project: Project) -> None:
    project.write("zoo/__init__.py")
    project.write(
        "zoo/animals.py",
        '''
        import jaunt

        jaunt.magic_module(__name__)

        class Collar:
            colour = "red"

        class Dog:
            """A dog with a collar."""

        def bark() -> str:
            """Woof."""
        ''',
    )
    project.write(
        "zoo/__generated__/animals.py",
        """
        from zoo.animals import Collar, bark

        class Dog:
            def __init__(self):
                self.collar = Collar()
                self.sound = bark()

        def bark():
            return "woof"
        """,
    )
    animals = project.load("zoo.animals")
    dog = animals.Dog()
    assert dog.collar.colour == "red"
    assert dog.sound == "woof"
    assert type(dog) is project.load("zoo.__generated__.animals").Dog


def test_broken_generated_code_surfaces_on_every_access_until_fixed(project: Project) -> None:
    project.write("mail/__init__.py")
    project.write("mail/box.py", CLASSES)
    generated = project.write("mail/__generated__/box.py", "class Email(:\n")
    box = project.load("mail.box")
    for _ in range(2):
        with pytest.raises(SyntaxError):
            box.Email  # noqa: B018
    generated.write_text(GENERATED_CLASSES)
    assert box.Cart([1, 2]).total() == 3
    assert box.Email("a@b.c").address == "a@b.c"
    assert type(box) is ModuleType


def test_reload_keeps_forwarding(project: Project) -> None:
    write_shop(project)
    calc = project.load("shop.calc")
    assert calc.pass_stub() == "pass"
    reloaded = importlib.reload(calc)
    assert reloaded is calc
    assert calc.pass_stub() == "pass"
    assert calc.handwritten(1) == 11


def test_module_level_use_of_a_stub_warns_with_its_line(project: Project) -> None:
    path = project.write(
        "early.py",
        """
        import jaunt

        jaunt.magic_module(__name__)

        def stub() -> int: ...

        class Base:
            \"\"\"A class spec.\"\"\"

        VALUE = stub()

        class Child(Base):
            pass

        if VALUE is None:
            def later() -> int:
                return stub()

            LATER = lambda: stub()  # noqa: E731
        """,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        project.load("early")
    messages = {(w.filename, w.lineno): str(w.message) for w in caught}
    assert "calls the stub stub while the module is importing" in messages[(str(path), 11)]
    assert "class Child subclasses the stub Base" in messages[(str(path), 13)]
    assert len(messages) == 2  # calls inside functions and lambdas run later


def test_a_module_without_stubs_warns(project: Project) -> None:
    project.write("plain.py", "import jaunt\n\njaunt.magic_module(__name__)\n\ndef f():\n    return 1\n")
    with pytest.warns(UserWarning, match=r"no top-level stub in plain becomes a spec"):
        project.load("plain")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "import jaunt\n\ndef setup():\n    jaunt.magic_module(__name__)\n\nsetup()\n",
            r"misplaced\.py:4: jaunt\.magic_module\('misplaced'\) must be called at the top level",
        ),
        (
            "import jaunt\n\njaunt.magic_module('jaunt')\n",
            r"must be called at the top level of module jaunt itself",
        ),
        (
            "import jaunt\n\njaunt.magic_module('no.such.module')\n",
            r"magic_module\('no\.such\.module'\): no module of that name is being imported",
        ),
        (
            "import jaunt\n\njaunt.magic_module(__name__)\njaunt.magic_module(__name__)\n\ndef f(): ...\n",
            r"misplaced\.py:4: jaunt\.magic_module is called twice in module misplaced",
        ),
    ],
)
def test_misuse_is_a_discovery_error(project: Project, source: str, message: str) -> None:
    project.write("misplaced.py", source)
    with pytest.raises(jaunt.JauntDiscoveryError, match=message):
        project.load("misplaced")


def test_a_module_without_source_is_a_discovery_error(project: Project) -> None:
    source = project.write("compiled.py", "import jaunt\n\njaunt.magic_module(__name__)\n\ndef f(): ...\n")
    py_compile.compile(str(source), cfile=str(project.root / "compiled.pyc"))
    source.unlink()
    with pytest.raises(jaunt.JauntDiscoveryError, match=r"needs the source of module compiled .*@jaunt\.magic"):
        project.load("compiled")


def test_options_are_checked(project: Project) -> None:
    project.write("opts.py", "import jaunt\n\njaunt.magic_module(__name__, test='yes')\n")
    with pytest.raises(TypeError, match=r"test must be True, False or None"):
        project.load("opts")


def test_test_option_is_recorded(project: Project) -> None:
    project.write("opts.py", "import jaunt\n\njaunt.magic_module(__name__, test=True)\n\ndef f() -> int: ...\n")
    assert project.load("opts").f.__jaunt_spec__.test is True


ORDER = '''
import jaunt


def before() -> int:
    """Defined before the call: handwritten, as jaunt's discovery reads it."""


class BeforeClass:
    """Before the call too."""


jaunt.magic_module(
    __name__,
    prompt="Spans lines.",
)


def after() -> int:
    """After the call: a spec."""


class DocThenPass:
    """A docstring and one placeholder: a stub body."""

    pass


class TwoPlaceholders:
    """A docstring and two placeholders: not a stub body, so handwritten."""

    pass
    ...
'''

GENERATED_ORDER = """
def before():
    return "generated"

class BeforeClass:
    pass

def after():
    return 7

class DocThenPass:
    pass

class TwoPlaceholders:
    pass
"""


def test_only_stubs_after_the_call_are_specs(project: Project) -> None:
    project.write("order.py", ORDER)
    project.write("__generated__/order.py", GENERATED_ORDER)
    order = project.load("order")
    generated = project.load("__generated__.order")

    assert order.after() == 7
    assert order.after.__jaunt_spec__.prompt == "Spans lines."
    assert order.DocThenPass is generated.DocThenPass
    assert order.before() is None  # the stub as written
    assert not hasattr(order.before, "__jaunt_spec__")
    for name in ["BeforeClass", "TwoPlaceholders"]:
        assert getattr(order, name) is not getattr(generated, name)
        assert getattr(order, name).__module__ == "order"
        assert "__jaunt_spec__" not in vars(getattr(order, name))


def test_a_module_whose_stubs_all_precede_the_call_warns(project: Project) -> None:
    project.write("late.py", "import jaunt\n\ndef f(): ...\n\njaunt.magic_module(__name__)\n")
    with pytest.warns(UserWarning, match=r"every definition after the call has a real body or a decorator"):
        late = project.load("late")
    assert late.f() is None
