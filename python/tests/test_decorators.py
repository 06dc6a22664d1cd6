"""Decorator forms and the spec metadata they record."""

from __future__ import annotations

import pytest
from conftest import Project

import jaunt


def test_with_and_without_parentheses(project: Project) -> None:
    project.write("shop/__init__.py")
    project.write(
        "shop/forms.py",
        """
        import jaunt

        @jaunt.magic
        def bare() -> str: ...

        @jaunt.magic()
        def empty() -> str: ...

        @jaunt.magic(deps=[bare, "shop.money:Money"], prompt="Be terse.", infer_deps=False)
        def full() -> str: ...

        @jaunt.magic(deps=empty)
        def single() -> str: ...

        @jaunt.test()
        def test_forms() -> None: ...
        """,
    )
    project.write(
        "shop/__generated__/forms.py",
        """
        def bare(): return "bare"
        def empty(): return "empty"
        def full(): return "full"
        def single(): return "single"
        """,
    )
    forms = project.load("shop.forms")

    assert [forms.bare(), forms.empty(), forms.full(), forms.single()] == ["bare", "empty", "full", "single"]
    assert forms.bare.__jaunt_spec__ == jaunt.SpecInfo(
        ref="shop.forms:bare",
        kind="build",
        object_kind="function",
        module="shop.forms",
        qualname="bare",
        generated_module="shop.__generated__.forms",
        deps=(),
        prompt=None,
        infer_deps=None,
    )
    full = forms.full.__jaunt_spec__
    assert full.deps == ("shop.forms:bare", "shop.money:Money")
    assert full.prompt == "Be terse."
    assert full.infer_deps is False
    assert forms.single.__jaunt_spec__.deps == ("shop.forms:empty",)
    assert forms.test_forms.__test__ is False


def test_options_of_jaunt_17(project: Project) -> None:
    project.write(
        "shop/options.py",
        """
        import jaunt

        @jaunt.magic(test=True)
        def priced() -> int: ...

        @jaunt.test(targets=[priced, "shop.money:Money"], public_api_only=False)
        def test_priced() -> None: ...

        @jaunt.test(targets=priced)
        def test_default() -> None: ...
        """,
    )
    options = project.load("shop.options")
    assert options.priced.__jaunt_spec__.test is True
    test_priced = options.test_priced.__jaunt_spec__
    assert test_priced.targets == ("shop.options:priced", "shop.money:Money")
    assert test_priced.public_api_only is False
    default = options.test_default.__jaunt_spec__
    assert (default.targets, default.public_api_only, default.test) == (("shop.options:priced",), None, None)


def test_async_spec_kind(project: Project) -> None:
    project.write("svc.py", "import jaunt\n\n@jaunt.magic\nasync def ping() -> None: ...\n")
    assert project.load("svc").ping.__jaunt_spec__.object_kind == "async_function"


def test_specs_inside_functions_are_rejected() -> None:
    with pytest.raises(jaunt.JauntError, match=r"must be defined at module level or in a class body"):

        @jaunt.magic
        def local() -> None: ...


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"deps": [42]}, "deps must be spec refs"),
        ({"prompt": 3}, "prompt must be a string"),
        ({"infer_deps": "yes"}, "infer_deps must be True, False or None"),
        ({"test": 1}, "test must be True, False or None"),
    ],
)
def test_bad_options(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        jaunt.magic(**kwargs)  # type: ignore[call-overload]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"targets": [3.5]}, "targets must be spec refs"),
        ({"public_api_only": "no"}, "public_api_only must be True, False or None"),
    ],
)
def test_bad_test_options(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        jaunt.test(**kwargs)  # type: ignore[call-overload]


def test_positional_options_get_a_hint() -> None:
    with pytest.raises(TypeError, match=r"pass options by keyword"):
        jaunt.magic("shop.money:Money")  # type: ignore[call-overload]
