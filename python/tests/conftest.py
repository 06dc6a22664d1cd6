"""Sample projects on disk for the runtime tests.

Each test gets its own project root on ``sys.path``. Modules imported from it
are dropped from ``sys.modules`` afterwards, so tests can reuse package names
without seeing each other's modules.
"""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest


class Project:
    """A project root that tests fill with spec and hand-written generated modules."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, relpath: str, source: str = "") -> Path:
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
        return path

    def load(self, module: str) -> ModuleType:
        return importlib.import_module(module)


def _lives_under(module: ModuleType | None, root: str) -> bool:
    locations = [getattr(module, "__file__", None) or "", *getattr(module, "__path__", [])]
    return any(str(location).startswith(root) for location in locations)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    monkeypatch.delenv("JAUNT_GENERATED_DIR", raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield Project(tmp_path)
    # Decide before deleting: a namespace package's path is recomputed from
    # its parent package's.
    ours = [name for name, module in list(sys.modules.items()) if _lives_under(module, str(tmp_path))]
    for name in ours:
        del sys.modules[name]
