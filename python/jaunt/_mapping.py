"""Spec module → generated module names (docs/architecture.md, "Vocabulary").

This must agree exactly with the Rust build (``ModuleName::generated``):

* ``pkg.mod``            → ``pkg.<gen>.mod``
* ``pkg`` (its ``__init__.py``) → ``pkg.<gen>``
* top-level ``mod``      → ``<gen>.mod``; ``mod.<gen>`` would need a package
  ``mod/`` that shadows ``mod.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

from . import _config


def generated_module_name(spec_module: str, generated_dir: str, is_package: bool) -> str:
    """The dotted name of the module generated for ``spec_module``."""
    if is_package:
        return f"{spec_module}.{generated_dir}"
    parent, dot, leaf = spec_module.rpartition(".")
    if not dot:
        return f"{generated_dir}.{spec_module}"
    return f"{parent}.{generated_dir}.{leaf}"


def generated_module_for(spec_module: str) -> str:
    """The generated module for an imported (or importing) spec module.

    The module object is consulted for whether it is a package and where its
    file lives (the start of the config lookup); a module that is not in
    ``sys.modules`` or has no file is looked up from the working directory.
    """
    module = sys.modules.get(spec_module)
    file = _module_file(module)
    start = file.parent if file is not None else Path.cwd()
    return generated_module_name(spec_module, _config.generated_dir(start), _is_package(module, file))


def _module_file(module: ModuleType | None) -> Path | None:
    name = getattr(module, "__file__", None)
    return Path(name) if isinstance(name, str) else None


def _is_package(module: ModuleType | None, file: Path | None) -> bool:
    return hasattr(module, "__path__") or (file is not None and file.name == "__init__.py")
