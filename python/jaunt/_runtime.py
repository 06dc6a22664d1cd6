"""The ``@jaunt.magic`` and ``@jaunt.test`` decorators.

A spec is only a signature and a docstring; ``jaunt apply`` writes its
implementation into the generated module (see :mod:`jaunt._mapping`). These
decorators put something in the spec's place that reaches that code:

* functions and methods become thin wrappers that import the generated module
  on first call, because the generated module may itself import the spec
  module, which is still executing at decoration time;
* classes are swapped for the generated class at decoration time, since a
  class must be the real one for ``isinstance`` and subclassing to work. When
  that import fails (not built yet, or a circular import), the spec class
  becomes a *stand-in* that resolves the generated class when instantiated;
* a spec module also offers the other public names its generated module
  defines (a helper or an exception class the implementation raises), through
  a module ``__getattr__``, so ``from shop.cart import CartError`` works as
  the ``.pyi`` stub beside the spec module promises.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias, TypeVar, overload

from ._mapping import generated_module_for
from .errors import JauntError, JauntNotBuiltError

SpecKind: TypeAlias = Literal["build", "test"]
ObjectKind: TypeAlias = Literal["function", "async_function", "class", "method"]
DepRef: TypeAlias = str | Callable[..., Any]
Deps: TypeAlias = DepRef | Iterable[DepRef] | None

T = TypeVar("T")


@dataclass(frozen=True)
class SpecInfo:
    """What a spec declared, kept as ``__jaunt_spec__`` for tools and debugging.

    ``kind`` is the build kind (as in ``jaunt.lock``), ``object_kind`` the kind
    of object (as in the generator request).
    """

    ref: str
    kind: SpecKind
    object_kind: ObjectKind
    module: str
    qualname: str
    generated_module: str
    deps: tuple[str, ...]
    prompt: str | None
    infer_deps: bool | None


@overload
def magic(obj: T, /) -> T: ...
@overload
def magic(
    obj: None = None, /, *, deps: Deps = None, prompt: str | None = None, infer_deps: bool | None = None
) -> Callable[[T], T]: ...
def magic(obj: Any = None, /, *, deps: Deps = None, prompt: str | None = None, infer_deps: bool | None = None) -> Any:
    """Mark a function, async function, method or class as an implementation spec.

    Usable bare (``@jaunt.magic``) or with options (``@jaunt.magic(deps=...)``).
    ``deps`` names other specs this one relies on (refs ``"pkg.mod:Name"`` or
    the objects themselves), ``prompt`` adds instructions for the generator and
    ``infer_deps`` overrides the project's dependency inference for this spec.
    """
    decorate = _decorator("build", deps, prompt, infer_deps)
    return decorate if obj is None else decorate(obj)


@overload
def test(obj: T, /) -> T: ...
@overload
def test(
    obj: None = None, /, *, deps: Deps = None, prompt: str | None = None, infer_deps: bool | None = None
) -> Callable[[T], T]: ...
def test(obj: Any = None, /, *, deps: Deps = None, prompt: str | None = None, infer_deps: bool | None = None) -> Any:
    """Mark a function as a test spec; ``jaunt apply`` generates the real test.

    The spec gets ``__test__ = False`` so pytest collects only the generated
    test, never the spec. Calling it runs the generated test.
    """
    decorate = _decorator("test", deps, prompt, infer_deps)
    return decorate if obj is None else decorate(obj)


def _decorator(kind: SpecKind, deps: Deps, prompt: str | None, infer_deps: bool | None) -> Callable[[Any], Any]:
    dep_refs = _dep_refs(deps)
    if prompt is not None and not isinstance(prompt, str):
        raise TypeError(f"jaunt: prompt must be a string or None, got {type(prompt).__name__}")
    if infer_deps is not None and not isinstance(infer_deps, bool):
        raise TypeError(f"jaunt: infer_deps must be True, False or None, got {infer_deps!r}")

    def decorate(obj: Any) -> Any:
        if isinstance(obj, (staticmethod, classmethod)):
            return type(obj)(decorate(obj.__func__))
        if kind == "build":
            _offer_generated_names(getattr(obj, "__module__", None))
        if isinstance(obj, type):
            if kind == "test":
                raise TypeError(f"@jaunt.test decorates test functions, not classes ({obj.__qualname__})")
            return _spec_class(obj, _spec_info(obj, kind, "class", dep_refs, prompt, infer_deps))
        if inspect.isfunction(obj):
            object_kind: ObjectKind
            if "." in obj.__qualname__:
                object_kind = "method"
            elif inspect.iscoroutinefunction(obj):
                object_kind = "async_function"
            else:
                object_kind = "function"
            return _spec_function(obj, _spec_info(obj, kind, object_kind, dep_refs, prompt, infer_deps))
        raise TypeError(
            f"jaunt decorators apply to functions, methods and classes, got {obj!r}; "
            "pass options by keyword, e.g. @jaunt.magic(deps=[...])"
        )

    return decorate


def _offer_generated_names(module_name: str | None) -> None:
    """Let ``module_name`` resolve public names it lacks from its generated module.

    Installed once per spec module, and never over a ``__getattr__`` the
    module defines itself. Only names without a leading underscore are
    looked up, so probes such as ``__path__`` or ``_private`` never import
    the generated module.
    """
    module = sys.modules.get(module_name) if module_name else None
    if module is None or "__getattr__" in vars(module):
        return

    def __getattr__(name: str) -> Any:
        missing = AttributeError(f"module {module_name!r} has no attribute {name!r}")
        if name.startswith("_"):
            raise missing
        generated_name = generated_module_for(module_name)
        try:
            generated = importlib.import_module(generated_name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not (generated_name == exc.name or generated_name.startswith(exc.name + ".")):
                raise
            raise AttributeError(
                f"module {module_name!r} has no attribute {name!r} "
                f"(its generated module {generated_name} is not built: run `jaunt apply`)"
            ) from None
        try:
            return getattr(generated, name)
        except AttributeError:
            raise missing from None

    module.__getattr__ = __getattr__  # type: ignore[attr-defined]


def _dep_refs(deps: Deps) -> tuple[str, ...]:
    """Spec refs for ``deps``, so introspection sees strings whatever was passed."""
    if deps is None:
        return ()
    items = deps if isinstance(deps, (list, tuple, set, frozenset)) else [deps]
    refs = []
    for dep in items:
        if isinstance(dep, str):
            refs.append(dep)
        elif isinstance(spec := getattr(dep, "__jaunt_spec__", None), SpecInfo):
            refs.append(spec.ref)
        elif callable(dep) and hasattr(dep, "__module__") and hasattr(dep, "__qualname__"):
            refs.append(f"{dep.__module__}:{dep.__qualname__}")
        else:
            raise TypeError(f"jaunt: deps must be spec refs ('pkg.mod:Name') or functions/classes, got {dep!r}")
    return tuple(refs)


def _spec_info(
    obj: Any,
    kind: SpecKind,
    object_kind: ObjectKind,
    deps: tuple[str, ...],
    prompt: str | None,
    infer_deps: bool | None,
) -> SpecInfo:
    module, qualname = obj.__module__, obj.__qualname__
    ref = f"{module}:{qualname}"
    if "<locals>" in qualname:
        # The build reads module and class bodies only; it never sees these.
        raise JauntError(f"jaunt spec {ref} must be defined at module level or in a class body, not inside a function")
    return SpecInfo(
        ref=ref,
        kind=kind,
        object_kind=object_kind,
        module=module,
        qualname=qualname,
        generated_module=generated_module_for(module),
        deps=deps,
        prompt=prompt,
        infer_deps=infer_deps,
    )


class _Implementation:
    """A spec's generated counterpart, looked up on first use and then cached."""

    __slots__ = ("_info", "_target")

    def __init__(self, info: SpecInfo) -> None:
        self._info = info
        self._target: Any = None

    def __call__(self) -> Any:
        if self._target is None:
            self._target = _load(self._info)
        return self._target


def _load(info: SpecInfo) -> Any:
    """The generated object for ``info``, unwrapped to a plain function for methods.

    Methods are looked up statically so a generated ``classmethod`` or
    ``staticmethod`` yields its function; the spec's own wrapper is what binds
    ``self``/``cls`` (to the spec class, the one the caller used).
    """
    name = info.generated_module
    try:
        owner: Any = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        # Only our module missing means "not built"; a missing import inside
        # generated code is a real error and must surface as itself.
        if exc.name is None or not (name == exc.name or name.startswith(exc.name + ".")):
            raise
        raise JauntNotBuiltError(info.ref, name, f"generated module {name} was not found") from None
    target: Any = owner
    for part in info.qualname.split("."):
        owner = target
        target = inspect.getattr_static(owner, part, None) if isinstance(owner, type) else getattr(owner, part, None)
        if target is None:
            raise JauntNotBuiltError(info.ref, name, f"generated module {name} does not define {info.qualname}")
    if isinstance(target, (staticmethod, classmethod)):
        target = target.__func__
    return target


def _spec_function(fn: Callable[..., Any], info: SpecInfo) -> Callable[..., Any]:
    """A wrapper with ``fn``'s metadata and signature that calls the generated code.

    The wrapper is a plain function, so in a class body it binds ``self`` like
    the method it replaces and passes it on.
    """
    implementation = _Implementation(info)
    wrapper: Callable[..., Any]
    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def forward_async(*args: Any, **kwargs: Any) -> Any:
            return await implementation()(*args, **kwargs)

        wrapper = forward_async
    else:

        @functools.wraps(fn)
        def forward(*args: Any, **kwargs: Any) -> Any:
            return implementation()(*args, **kwargs)

        wrapper = forward
    wrapper.__jaunt_spec__ = info  # type: ignore[union-attr]
    if info.kind == "test":
        wrapper.__test__ = False  # type: ignore[union-attr]
    return wrapper


def _spec_class(cls: type, info: SpecInfo) -> type:
    """The generated class if it can be imported now, else ``cls`` as a stand-in.

    Any ImportError or AttributeError here may be a circular import (generated
    code importing this spec module while it is still executing), so it is not
    final: the stand-in tries again when instantiated, and then reports the
    real error or :class:`JauntNotBuiltError`.
    """
    try:
        generated = _load(info)
    except (ImportError, AttributeError, JauntNotBuiltError):
        return _make_stand_in(cls, info)
    generated.__jaunt_spec__ = info
    return generated  # type: ignore[no-any-return]


def _make_stand_in(cls: type, info: SpecInfo) -> type:
    """Turn the spec class itself into a stand-in for its generated class.

    The class is changed in place, not subclassed, so everything the spec's
    author relied on stays as written: its metaclass (``ABCMeta`` or custom),
    decorators applied before or after this one (``@dataclass``), its name and
    signature. Only ``__new__`` changes: instantiating the stand-in returns an
    instance of the generated class, or raises :class:`JauntNotBuiltError`.
    Subclasses the user derives from the stand-in construct normally.
    """
    implementation = _Implementation(info)
    inherited_new: Callable[..., Any] = cls.__new__

    def __new__(klass: type, /, *args: Any, **kwargs: Any) -> Any:
        # A dataclass(slots=True) copy carries the marker in its own dict; a
        # user subclass only inherits it.
        if klass.__dict__.get("__jaunt_spec__") is not info:
            if inherited_new is object.__new__:
                return object.__new__(klass)
            return inherited_new(klass, *args, **kwargs)
        generated = implementation()
        generated.__jaunt_spec__ = info
        _rebind(info, klass, generated)
        return generated(*args, **kwargs)

    try:
        signature = inspect.signature(cls)
    except (TypeError, ValueError):
        pass  # no signature to keep (some builtin-derived classes)
    else:
        first = inspect.Parameter("cls", inspect.Parameter.POSITIONAL_ONLY)
        __new__.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[first, *signature.parameters.values()]
        )
    cls.__new__ = staticmethod(__new__)  # type: ignore[method-assign]
    cls.__jaunt_spec__ = info  # type: ignore[attr-defined]
    return cls


def _rebind(info: SpecInfo, stand_in: type, generated: Any) -> None:
    """Point the spec module's name at the generated class once it is known.

    Code importing the name from now on gets the real class, as it would have
    if the generated module had been importable at decoration time.
    """
    owner: Any = sys.modules.get(info.module)
    *outer, name = info.qualname.split(".")
    for part in outer:
        owner = getattr(owner, part, None)
    if getattr(owner, name, None) is stand_in:
        setattr(owner, name, generated)
