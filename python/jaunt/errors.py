"""Exceptions raised by the jaunt runtime.

Every error derives from :class:`JauntError` so callers can catch the
runtime's failures with one ``except`` clause. The class names and their
hierarchy are Jaunt 1.7's, so code written against 1.7 catches the same
failures under the same names.
"""

from __future__ import annotations


class JauntError(Exception):
    """Base class of every error the jaunt runtime raises."""


class JauntConfigError(JauntError):
    """The project's jaunt configuration cannot be used (bad TOML, bad value)."""


class JauntDiscoveryError(JauntError):
    """A spec module cannot be read as one (no source to scan, misplaced ``magic_module``)."""


class JauntGenerationError(JauntError):
    """Generated code does not honour its spec (a ``@jaunt.sig`` signature changed)."""


class JauntDependencyCycleError(JauntError):
    """Specs depend on each other in a cycle.

    The build (``jaunt apply``) detects cycles; the class exists so code
    written against Jaunt 1.7 that names it keeps importing.
    """


class JauntNotBuiltError(JauntError):
    """A spec was used before ``jaunt apply`` generated its implementation.

    Raised when the generated module, or the name inside it, does not exist.
    The message names the spec ref so the user knows what to build.
    """

    def __init__(self, ref: str, generated_module: str, missing: str) -> None:
        self.ref = ref
        self.generated_module = generated_module
        super().__init__(f"jaunt spec {ref} has not been built: {missing}. Run `jaunt apply` to generate it.")
