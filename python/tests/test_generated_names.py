"""A spec module offers the public names its generated module adds."""

from __future__ import annotations

import pytest
from conftest import Project

SPECS = '''
import jaunt

@jaunt.magic
def withdraw(amount: int) -> int:
    """Withdraw; raises InsufficientFunds when the balance is too low."""

def handwritten() -> str:
    return "mine"
'''

GENERATED = """
class InsufficientFunds(Exception):
    pass

def withdraw(amount):
    if amount > 10:
        raise InsufficientFunds(amount)
    return 10 - amount

def handwritten():
    return "generated"

def _private_helper():
    return 1
"""


def build(project: Project, generated: str | None = GENERATED) -> None:
    project.write("bank/__init__.py")
    project.write("bank/account.py", SPECS)
    if generated is not None:
        project.write("bank/__generated__/__init__.py")
        project.write("bank/__generated__/account.py", generated)


def test_generated_only_names_are_importable_from_the_spec_module(project: Project) -> None:
    build(project)
    from bank.account import InsufficientFunds, withdraw  # type: ignore[import-not-found]

    with pytest.raises(InsufficientFunds):
        withdraw(11)
    assert withdraw(3) == 7


def test_the_spec_modules_own_names_win_and_private_names_stay_hidden(project: Project) -> None:
    build(project)
    account = project.load("bank.account")
    assert account.handwritten() == "mine"
    assert not hasattr(account, "_private_helper")
    with pytest.raises(AttributeError, match="no attribute 'Missing'"):
        account.Missing  # noqa: B018


def test_an_unbuilt_module_says_so_and_probes_never_import_it(project: Project) -> None:
    build(project, generated=None)
    account = project.load("bank.account")
    assert not hasattr(account, "__path__")
    with pytest.raises(AttributeError, match="not built: run `jaunt apply`"):
        account.InsufficientFunds  # noqa: B018


def test_a_module_getattr_of_the_users_own_is_left_alone(project: Project) -> None:
    project.write("bank/__init__.py")
    project.write(
        "bank/own.py",
        SPECS + "\ndef __getattr__(name):\n    return f'own {name}'\n",
    )
    own = project.load("bank.own")
    assert own.Anything == "own Anything"
