"""jaunt runtime: what spec modules import.

``@jaunt.magic`` marks implementation specs and ``@jaunt.test`` test specs;
at run time both forward to the code ``jaunt apply`` generated for them.
"""

from ._runtime import SpecInfo, magic, test
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
    "JauntConfigError",
    "JauntDependencyCycleError",
    "JauntDiscoveryError",
    "JauntError",
    "JauntGenerationError",
    "JauntNotBuiltError",
    "SpecInfo",
    "__version__",
    "magic",
    "test",
]
