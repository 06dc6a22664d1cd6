"""Where generated code lives: the ``paths.generated_dir`` setting.

The runtime must pick the same directory name as the Rust build, so it reads
the same sources in the same order: the ``JAUNT_GENERATED_DIR`` environment
variable; else the nearest ``jaunt.toml`` (``[paths]``) or ``pyproject.toml``
with a ``[tool.jaunt]`` table (``[tool.jaunt.paths]``), found by walking up
from the spec module's directory; else ``__generated__``.

Spec modules are decorated at import time, so the file lookup is cached per
start directory and each config file is parsed at most once.
"""

from __future__ import annotations

import functools
import keyword
import os
import tomllib
from pathlib import Path
from typing import Any

from .errors import JauntConfigError

DEFAULT_GENERATED_DIR = "__generated__"
ENV_VAR = "JAUNT_GENERATED_DIR"


def generated_dir(start: Path) -> str:
    """The generated directory name for a spec module living in ``start``."""
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        return _validated(from_env, f"environment variable {ENV_VAR}")
    return _generated_dir_from_files(str(start))


@functools.cache
def _generated_dir_from_files(start: str) -> str:
    """Walk up from ``start`` to the nearest jaunt configuration.

    A ``pyproject.toml`` without a ``[tool.jaunt]`` table belongs to some
    other tool (or to a parent project's subpackage), so the walk goes on.
    At one directory, ``jaunt.toml`` wins over ``pyproject.toml``.
    """
    directory = Path(start).resolve()
    for candidate in (directory, *directory.parents):
        jaunt_toml = candidate / "jaunt.toml"
        if jaunt_toml.is_file():
            return _setting_from(str(jaunt_toml), ())
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and _has_jaunt_table(str(pyproject)):
            return _setting_from(str(pyproject), ("tool", "jaunt"))
    return DEFAULT_GENERATED_DIR


def _has_jaunt_table(pyproject: str) -> bool:
    tool = _read_toml(pyproject).get("tool")
    return isinstance(tool, dict) and "jaunt" in tool


def _setting_from(path: str, prefix: tuple[str, ...]) -> str:
    """``paths.generated_dir`` under ``prefix`` in one config file, or the default."""
    table: Any = _read_toml(path)
    keys = (*prefix, "paths")
    for depth, key in enumerate(keys, start=1):
        table = table.get(key, {})
        if not isinstance(table, dict):
            raise JauntConfigError(f"{path}: `{'.'.join(keys[:depth])}` must be a table")
    value = table.get("generated_dir", DEFAULT_GENERATED_DIR)
    return _validated(value, f"`{'.'.join(keys)}.generated_dir` in {path}")


@functools.cache
def _read_toml(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as file:
            return tomllib.load(file)
    except tomllib.TOMLDecodeError as exc:
        raise JauntConfigError(f"{path} is not valid TOML: {exc}") from None


def _validated(value: object, source: str) -> str:
    """Generated code is imported as a package, so its name must be importable."""
    if not isinstance(value, str) or not value.isidentifier() or keyword.iskeyword(value):
        raise JauntConfigError(f"{source} must be a Python identifier (it names the generated package), got {value!r}")
    return value
