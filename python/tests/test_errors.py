"""The exception classes of Jaunt 1.7, with its hierarchy."""

from __future__ import annotations

import pytest

import jaunt

NAMES = [
    "JauntConfigError",
    "JauntDiscoveryError",
    "JauntGenerationError",
    "JauntDependencyCycleError",
    "JauntNotBuiltError",
]


@pytest.mark.parametrize("name", NAMES)
def test_each_is_a_direct_subclass_of_jaunt_error(name: str) -> None:
    cls = getattr(jaunt, name)
    assert cls.__bases__ == (jaunt.JauntError,)
    assert cls.__module__ == "jaunt.errors"
    assert name in jaunt.__all__


def test_they_are_distinct_and_catchable_as_one() -> None:
    assert jaunt.JauntError.__bases__ == (Exception,)
    assert len({getattr(jaunt, name) for name in NAMES}) == len(NAMES)
    with pytest.raises(jaunt.JauntError):
        raise jaunt.JauntDependencyCycleError("a -> b -> a")
