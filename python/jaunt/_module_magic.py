"""``jaunt.magic_module(__name__)``: every top-level stub after the call becomes a spec.

Which definitions are stubs is the rule jaunt's discovery applies
statically, so the runtime forwards exactly the specs jaunt generates.

The call comes first in the module, before the definitions it governs exist,
so it cannot wrap them then. It reads the module's source to find the stubs
and records them; once the module body has finished running, they are
replaced in the module's namespace by what ``@jaunt.magic`` would have made
of them (forwarders, generated classes, stand-ins), as if each had been
decorated. Handwritten definitions are left alone.

*When* "finished" is seen: the call swaps the module's class for a subclass
whose ``__getattribute__`` settles the module on the first attribute access
made after the body has run, then swaps the plain class back, so later
accesses cost nothing extra. Every way of reaching a module's names from
outside goes through an attribute access (``import m`` checks
``m.__spec__``, ``from m import f`` reads ``f``, pytest reads
``m.__dict__``), so the stubs are replaced before anyone outside can get
them, and the module's own functions, which read its globals directly, see
the forwarders from then on. Accesses while the body still runs (a circular
import, the module's own decorators) see the stubs as written, which is what
Python's circular-import semantics give anyway; code in the module body
that *calls* a stub therefore runs the stub, and gets a warning.
"""

from __future__ import annotations

import ast
import inspect
import sys
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from types import FrameType, ModuleType
from typing import Any

from . import _markers
from ._mapping import generated_module_for
from ._runtime import Deps, Options, options, spec_decorator
from .errors import JauntDiscoveryError

STATE = "__jaunt_module_magic__"
# On a settling class: the module class it stands in for.
PLAIN = "__jaunt_plain_class__"


@dataclass(frozen=True)
class Stub:
    """A top-level stub found in the module's source.

    ``line`` is where its ``def``/``class`` is. A class is a stub when its
    body is a stub body, as a function's is (``bare``), or when one of
    ``stub_methods`` is not ``@jaunt.preserve``-d, which is checked on the
    class object, so ``preserve`` is recognised however it was imported.
    """

    name: str
    line: int
    is_class: bool
    bare: bool = False
    stub_methods: tuple[str, ...] = ()


class ModuleMagic:
    """The record ``magic_module`` keeps in the module as ``__jaunt_module_magic__``."""

    def __init__(self, module: str, chosen: Options, stubs: tuple[Stub, ...], body: FrameType) -> None:
        self.module = module
        self.options = chosen
        self.stubs = stubs
        self._body: FrameType | None = body
        self._lock = threading.Lock()
        self._settling = False
        self._settled = False

    def running_in(self, frame: FrameType | None) -> bool:
        """Whether ``frame`` is this call's module body (a second call in one body)."""
        return frame is self._body and not self._settled

    def settle(self, module: ModuleType, plain: type[ModuleType]) -> None:
        """Replace the stubs once the module body has run; a no-op before, during and after.

        The lock only decides who settles: a thread that finds the work
        taken reads the namespace as it is rather than wait, because the
        settling thread may be importing a generated module that the waiting
        thread is halfway through importing (a deadlock importlib could not
        see).
        """
        namespace: dict[str, Any] = plain.__getattribute__(module, "__dict__")
        if self._settled or self._settling or self._still_running(namespace):
            return
        with self._lock:
            if self._settled or self._settling:
                return
            self._settling = True
        try:
            self._replace_stubs(namespace)
        except BaseException:
            # Broken generated code (a SyntaxError in it) surfaces on every
            # access, as a failing import would, rather than leave the module
            # half settled; replacing a stub twice is impossible, so a later
            # access simply finishes the work.
            self._settling = False
            raise
        self._settled = True
        self._settling = False
        self._body = None
        module.__class__ = plain

    def _still_running(self, namespace: dict[str, Any]) -> bool:
        # importlib marks a module's spec while it executes the module; a
        # reload or a module run some other way is seen on the call stack.
        spec = namespace.get("__spec__")
        if getattr(spec, "_initializing", False):
            return True
        frame: FrameType | None = sys._getframe()
        while frame is not None:
            if frame is self._body:
                return True
            frame = frame.f_back
        return False

    def _replace_stubs(self, namespace: dict[str, Any]) -> None:
        # Functions first: they import nothing now, while a class may import
        # its generated module, and that module may import these functions.
        decorate = spec_decorator("build", self.options)
        for stub in sorted(self.stubs, key=lambda stub: stub.is_class):
            obj = namespace.get(stub.name)
            if _is_governed(obj, stub, self.module):
                namespace[stub.name] = decorate(obj)


def magic_module(
    name: str,
    *,
    deps: Deps = None,
    prompt: str | None = None,
    infer_deps: bool | None = None,
    test: bool | None = None,
) -> None:
    """Make every top-level stub after this call a ``@jaunt.magic`` spec.

    Call it once, at the top of the module, as ``jaunt.magic_module(__name__)``.
    A stub is a ``def``, ``async def`` or class without decorators whose body
    is only ``...``, ``pass``, ``raise NotImplementedError`` or a docstring
    (a docstring may also precede the others); a class is also a stub when
    one of its methods is, unless that method is ``@jaunt.preserve``-d.
    Definitions before the call, with real bodies or with any decorator are
    handwritten and untouched (``@jaunt.magic`` ones are specs through their
    decorator). The options apply to every stub, as they would on
    ``@jaunt.magic``.
    """
    chosen = options(deps=deps, prompt=prompt, infer_deps=infer_deps, test=test)
    module = sys.modules.get(name) if isinstance(name, str) else None
    if module is None:
        raise JauntDiscoveryError(
            f"jaunt.magic_module({name!r}): no module of that name is being imported; "
            "call it as jaunt.magic_module(__name__)"
        )
    caller = sys._getframe(1)
    where = f"{caller.f_code.co_filename}:{caller.f_lineno}"
    if caller.f_globals is not vars(module) or caller.f_code.co_name != "<module>":
        raise JauntDiscoveryError(
            f"{where}: jaunt.magic_module({name!r}) must be called at the top level of module {name} itself, "
            "not inside a function or for another module"
        )
    previous = vars(module).get(STATE)
    if isinstance(previous, ModuleMagic) and previous.running_in(caller):
        raise JauntDiscoveryError(f"{where}: jaunt.magic_module is called twice in module {name}; call it once")
    generated_module_for(name)  # a bad jaunt configuration fails here, at import, as decorators do
    tree = _parse(module, name, where)
    stubs = tuple(_stubs(tree, after=_statement_end(tree, caller.f_lineno)))
    if not stubs:
        warnings.warn(
            f"jaunt.magic_module({name!r}): no top-level stub in {name} becomes a spec "
            "(every definition after the call has a real body or a decorator)",
            UserWarning,
            stacklevel=2,
        )
    _warn_early_uses(tree, stubs, name, caller.f_code.co_filename)
    vars(module)[STATE] = ModuleMagic(name, chosen, stubs, caller)
    plain: type[ModuleType] = vars(type(module)).get(PLAIN, type(module))
    module.__class__ = _settling_class(plain)


def _parse(module: ModuleType, name: str, where: str) -> ast.Module:
    try:
        return ast.parse(inspect.getsource(module))
    except (OSError, TypeError, SyntaxError) as exc:
        raise JauntDiscoveryError(
            f"{where}: jaunt.magic_module needs the source of module {name} to find its stubs, "
            f"and cannot read it ({exc}); ship the .py file, or decorate each spec with @jaunt.magic"
        ) from None


_SETTLING_CLASSES: dict[type[ModuleType], type[ModuleType]] = {}


def _settling_class(plain: type[ModuleType]) -> type[ModuleType]:
    """A subclass of the module's class that settles its magic on the first access (one per class)."""
    if plain in _SETTLING_CLASSES:
        return _SETTLING_CLASSES[plain]

    def __getattribute__(module: ModuleType, attribute: str) -> Any:
        magic = plain.__getattribute__(module, "__dict__").get(STATE)
        if isinstance(magic, ModuleMagic):
            magic.settle(module, plain)
        return plain.__getattribute__(module, attribute)

    namespace = {"__slots__": (), "__getattribute__": __getattribute__, "__module__": plain.__module__, PLAIN: plain}
    settling = _SETTLING_CLASSES[plain] = type(plain.__name__, (plain,), namespace)
    return settling


def _is_governed(obj: object, stub: Stub, module: str) -> bool:
    """Whether ``obj``, bound to the stub's name after the module ran, is that stub's definition.

    A name rebound later (by an assignment or an import) is left alone.
    """
    if getattr(obj, "__module__", None) != module or getattr(obj, "__qualname__", None) != stub.name:
        return False
    if not stub.is_class:
        return inspect.isfunction(obj) and obj.__code__.co_firstlineno == stub.line
    if not isinstance(obj, type) or "__jaunt_spec__" in vars(obj):
        return False
    members = vars(obj)
    return stub.bare or any(name in members and not _markers.is_preserved(members[name]) for name in stub.stub_methods)


def _statement_end(tree: ast.Module, line: int | None) -> int:
    """The last line of the top-level statement holding ``line`` (the call's)."""
    for node in tree.body:
        end = node.end_lineno or node.lineno
        if line is not None and node.lineno <= line <= end:
            return end
    return line or 0


def _stubs(tree: ast.Module, after: int) -> list[Stub]:
    """The module's top-level stubs below line ``after``, in source order.

    A name's last top-level definition is the one that is bound when the
    module has run, so only that one counts, and only when it comes after
    the call: a definition above it ran before the call and is handwritten.
    """
    last: dict[str, ast.stmt] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            last[node.name] = node
    found = []
    for node in last.values():
        if node.lineno <= after:
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if not node.decorator_list and _is_stub_body(node.body):
                found.append(Stub(node.name, node.lineno, is_class=False))
        elif isinstance(node, ast.ClassDef) and not node.decorator_list:
            bare = _is_stub_body(node.body)
            methods = tuple(
                member.name
                for member in node.body
                if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)) and _is_stub_body(member.body)
            )
            if bare or methods:
                found.append(Stub(node.name, node.lineno, is_class=True, bare=bare, stub_methods=methods))
    return sorted(found, key=lambda stub: stub.line)


def _is_stub_body(body: list[ast.stmt]) -> bool:
    """Only ``...``, ``pass`` or ``raise NotImplementedError``, after an optional docstring, or only a docstring."""
    rest = body[1:] if _is_docstring(body[0]) else body
    if not rest:
        return True
    if len(rest) != 1:
        return False
    statement = rest[0]
    return (
        isinstance(statement, ast.Pass)
        or _is_ellipsis(statement)
        or (isinstance(statement, ast.Raise) and statement.cause is None and _is_not_implemented(statement.exc))
    )


def _is_not_implemented(exc: ast.expr | None) -> bool:
    target = exc.func if isinstance(exc, ast.Call) else exc
    return isinstance(target, ast.Name) and target.id == "NotImplementedError"


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _is_ellipsis(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and statement.value.value is Ellipsis
    )


def _warn_early_uses(tree: ast.Module, stubs: tuple[Stub, ...], module: str, filename: str) -> None:
    """Warn where the module body itself uses a stub: that runs before the stub is replaced."""
    lines = {stub.name: stub.line for stub in stubs}

    def warn(line: int, message: str) -> None:
        warnings.warn_explicit(message, UserWarning, filename, line, module=module)

    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.ClassDef):
            for base in node.bases:
                if isinstance(base, ast.Name) and lines.get(base.id, node.lineno) < node.lineno:
                    warn(
                        node.lineno,
                        f"{module}: class {node.name} subclasses the stub {base.id} while the module is importing, "
                        f"so it inherits the stub, not the generated class; decorate {base.id} with @jaunt.magic",
                    )
            continue
        for call in _calls_run_now(node):
            if isinstance(call.func, ast.Name) and lines.get(call.func.id, call.lineno) < call.lineno:
                warn(
                    call.lineno,
                    f"{module}: the module body calls the stub {call.func.id} while the module is importing, "
                    f"which runs the stub, not its generated code; call it from a function, "
                    f"or decorate {call.func.id} with @jaunt.magic",
                )


def _calls_run_now(node: ast.AST) -> Iterator[ast.Call]:
    """The calls in ``node`` that run when it runs: not those inside a function or lambda it defines."""
    if isinstance(node, ast.Call):
        yield node
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            yield from _calls_run_now(child)
