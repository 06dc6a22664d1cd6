"""jaunt runtime: what spec modules import.

``@jaunt.magic`` marks implementation specs and ``@jaunt.test`` test specs;
at run time both forward to the code ``jaunt apply`` generated for them.
``@jaunt.preserve``, ``@jaunt.sig`` and ``@jaunt.contract`` are marks
the build reads; the names and their behaviour are Jaunt 1.7's.
"""

from ._markers import preserve, sig
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
    "preserve",
    "sig",
    "test",
]
