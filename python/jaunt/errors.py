"""Exceptions raised by the jaunt runtime.

Every error derives from :class:`JauntError` so callers can catch the
runtime's failures with one ``except`` clause.
"""

from __future__ import annotations


class JauntError(Exception):
    """Base class of every error the jaunt runtime raises."""


class JauntConfigError(JauntError):
    """The project's jaunt configuration cannot be used (bad TOML, bad value)."""


class JauntNotBuiltError(JauntError):
    """A spec was used before ``jaunt apply`` generated its implementation.

    Raised when the generated module, or the name inside it, does not exist.
    The message names the spec ref so the user knows what to build.
    """

    def __init__(self, ref: str, generated_module: str, missing: str) -> None:
        self.ref = ref
        self.generated_module = generated_module
        super().__init__(f"jaunt spec {ref} has not been built: {missing}. Run `jaunt apply` to generate it.")
