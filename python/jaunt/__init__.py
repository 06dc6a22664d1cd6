"""jaunt runtime: what spec modules import.

``@jaunt.magic`` marks implementation specs and ``@jaunt.test`` test specs;
at run time both forward to the code ``jaunt apply`` generated for them.
``jaunt.magic_module(__name__)`` makes every top-level stub of a module a
spec. ``@jaunt.preserve``, ``@jaunt.sig`` and ``@jaunt.contract`` are marks
the build reads; the names and their behaviour are Jaunt 1.7's.
"""

from ._markers import preserve, sig
from ._module_magic import magic_module
from ._runtime import ContractInfo, SpecInfo, contract, magic, test
from .errors import (
    JauntConfigError,
    JauntDependencyCycleError,
    JauntDiscoveryError,
    JauntError,
    JauntGenerationError,
    JauntNotBuiltError,
)

__version__ = "0.1.0"

__all__ = [
    "ContractInfo",
    "JauntConfigError",
    "JauntDependencyCycleError",
    "JauntDiscoveryError",
    "JauntError",
    "JauntGenerationError",
    "JauntNotBuiltError",
    "SpecInfo",
    "__version__",
    "contract",
    "magic",
    "magic_module",
    "preserve",
    "sig",
    "test",
]
