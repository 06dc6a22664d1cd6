"""The ``@jaunt.magic``, ``@jaunt.test`` and ``@jaunt.contract`` decorators.

A spec is only a signature and a docstring; ``jaunt apply`` writes its
implementation into the generated module (see :mod:`jaunt._mapping`). These
decorators put something in the spec's place that reaches that code:

* functions and methods become thin wrappers that import the generated module
  on first call, because the generated module may itself import the spec
  module, which is still executing at decoration time;
* classes are swapped for the generated class at decoration time, since a
  class must be the real one for ``isinstance`` and subclassing to work. When
  that import fails (not built yet, or a circular import), the spec class
  becomes a *stand-in* that resolves the generated class when instantiated.
  A class spec is built as one unit: an inner ``@jaunt.magic`` on one of its
  methods is undone, ``@jaunt.preserve`` methods are given to the generated
  class as they are, and ``@jaunt.sig`` methods must keep their signature;
* a spec module also offers the other public names its generated module
  defines (a helper or an exception class the implementation raises), through
  a module ``__getattr__``, so ``from shop.cart import CartError`` works as
  the ``.pyi`` stub beside the spec module promises.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias, TypeVar, overload

from . import _markers
from ._mapping import generated_module_for
from .errors import JauntError, JauntGenerationError, JauntNotBuiltError

SpecKind: TypeAlias = Literal["build", "test"]
ObjectKind: TypeAlias = Literal["function", "async_function", "class", "method"]
DepRef: TypeAlias = str | Callable[..., Any]
Deps: TypeAlias = DepRef | Iterable[DepRef] | None

T = TypeVar("T")


@dataclass(frozen=True)
class SpecInfo:
    """What a spec declared, kept as ``__jaunt_spec__`` for tools and debugging.

    ``kind`` is the build kind (as in ``jaunt.lock``), ``object_kind`` the kind
    of object (as in the generator request). ``test`` is ``@jaunt.magic``'s
    ``test=`` option; ``targets`` and ``public_api_only`` are ``@jaunt.test``'s.
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
    test: bool | None = None
    targets: tuple[str, ...] = ()
    public_api_only: bool | None = None


@dataclass(frozen=True)
class ContractInfo:
    """What ``@jaunt.contract`` recorded, kept as ``__jaunt_contract__``."""

    ref: str
    deps: tuple[str, ...]


@dataclass(frozen=True)
class Options:
    """A decorator's options, checked and with deps and targets as spec refs."""

    deps: tuple[str, ...] = ()
    prompt: str | None = None
    infer_deps: bool | None = None
    test: bool | None = None
    targets: tuple[str, ...] = ()
    public_api_only: bool | None = None


def options(
    *,
    deps: Deps = None,
    prompt: str | None = None,
    infer_deps: bool | None = None,
    test: bool | None = None,
    targets: Deps = None,
    public_api_only: bool | None = None,
) -> Options:
    """Check options as users pass them, so a mistake fails where it was made."""
    if prompt is not None and not isinstance(prompt, str):
        raise TypeError(f"jaunt: prompt must be a string or None, got {type(prompt).__name__}")
    for name, flag in [("infer_deps", infer_deps), ("test", test), ("public_api_only", public_api_only)]:
        if flag is not None and not isinstance(flag, bool):
            raise TypeError(f"jaunt: {name} must be True, False or None, got {flag!r}")
    return Options(
        deps=_dep_refs(deps, "deps"),
        prompt=prompt,
        infer_deps=infer_deps,
        test=test,
        targets=_dep_refs(targets, "targets"),
        public_api_only=public_api_only,
    )


@overload
def magic(obj: T, /) -> T: ...
@overload
def magic(
    obj: None = None,
    /,
    *,
    deps: Deps = None,
    prompt: str | None = None,
    infer_deps: bool | None = None,
    test: bool | None = None,
) -> Callable[[T], T]: ...
def magic(
    obj: Any = None,
    /,
    *,
    deps: Deps = None,
    prompt: str | None = None,
    infer_deps: bool | None = None,
    test: bool | None = None,
) -> Any:
    """Mark a function, async function, method or class as an implementation spec.

    Usable bare (``@jaunt.magic``) or with options (``@jaunt.magic(deps=...)``).
    ``deps`` names other specs this one relies on (refs ``"pkg.mod:Name"`` or
    the objects themselves), ``prompt`` adds instructions for the generator,
    ``infer_deps`` overrides the project's dependency inference for this spec
    and ``test`` whether tests are derived from it (read by the build).
    """
    decorate = spec_decorator("build", options(deps=deps, prompt=prompt, infer_deps=infer_deps, test=test))
    return decorate if obj is None else decorate(obj)


@overload
def test(obj: T, /) -> T: ...
@overload
def test(
    obj: None = None,
    /,
    *,
    deps: Deps = None,
    prompt: str | None = None,
    infer_deps: bool | None = None,
    targets: Deps = None,
    public_api_only: bool | None = None,
) -> Callable[[T], T]: ...
def test(
    obj: Any = None,
    /,
    *,
    deps: Deps = None,
    prompt: str | None = None,
    infer_deps: bool | None = None,
    targets: Deps = None,
    public_api_only: bool | None = None,
) -> Any:
    """Mark a function as a test spec; ``jaunt apply`` generates the real test.

    The spec gets ``__test__ = False`` so pytest collects only the generated
    test, never the spec. Calling it runs the generated test. ``targets``
    names the specs under test and ``public_api_only`` limits the test to
    their public API (both read by the build).
    """
    chosen = options(deps=deps, prompt=prompt, infer_deps=infer_deps, targets=targets, public_api_only=public_api_only)
    decorate = spec_decorator("test", chosen)
    return decorate if obj is None else decorate(obj)


@overload
def contract(obj: T, /) -> T: ...
@overload
def contract(obj: None = None, /, *, deps: Deps = None) -> Callable[[T], T]: ...
def contract(obj: Any = None, /, *, deps: Deps = None) -> Any:
    """Mark handwritten code as the canonical behaviour tests are derived from.

    The object is returned unchanged: it stays the code that runs. What was
    declared is kept as ``__jaunt_contract__`` (a :class:`ContractInfo`).
    """
    dep_refs = _dep_refs(deps, "deps")

    def mark(target: Any) -> Any:
        holder: Any = target.__func__ if isinstance(target, (staticmethod, classmethod)) else target
        if not _is_definition(holder):
            raise TypeError(f"@jaunt.contract applies to functions, methods and classes, got {target!r}")
        holder.__jaunt_contract__ = ContractInfo(ref=f"{holder.__module__}:{holder.__qualname__}", deps=dep_refs)
        return target

    return mark if obj is None else mark(obj)


def _is_definition(obj: object) -> bool:
    return inspect.isfunction(obj) or isinstance(obj, type)


def spec_decorator(kind: SpecKind, chosen: Options) -> Callable[[Any], Any]:
    """What ``@jaunt.magic(...)``/``@jaunt.test(...)`` apply; ``magic_module`` applies it to stubs too."""

    def decorate(obj: Any) -> Any:
        if isinstance(obj, (staticmethod, classmethod)):
            return type(obj)(decorate(obj.__func__))
        if kind == "build":
            offer_generated_names(getattr(obj, "__module__", None))
        if isinstance(obj, type):
            if kind == "test":
                raise TypeError(f"@jaunt.test decorates test functions, not classes ({obj.__qualname__})")
            return _spec_class(obj, spec_info(obj, kind, "class", chosen))
        if inspect.isfunction(obj):
            object_kind: ObjectKind
            if "." in obj.__qualname__:
                object_kind = "method"
            elif inspect.iscoroutinefunction(obj):
                object_kind = "async_function"
            else:
                object_kind = "function"
            return _spec_function(obj, spec_info(obj, kind, object_kind, chosen))
        raise TypeError(
            f"jaunt decorators apply to functions, methods and classes, got {obj!r}; "
            "pass options by keyword, e.g. @jaunt.magic(deps=[...])"
        )

    return decorate


def offer_generated_names(module_name: str | None) -> None:
    """Let ``module_name`` resolve public names it lacks from its generated module.

    Installed once per spec module, and never over a ``__getattr__`` the
    module defines itself. Only names without a leading underscore are
    looked up, so probes such as ``__path__`` or ``_private`` never import
    the generated module.
    """
    if module_name is None or (module := sys.modules.get(module_name)) is None or "__getattr__" in vars(module):
        return
    spec_module: str = module_name

    def __getattr__(name: str) -> Any:
        missing = AttributeError(f"module {spec_module!r} has no attribute {name!r}")
        if name.startswith("_"):
            raise missing
        generated_name = generated_module_for(spec_module)
        try:
            generated = importlib.import_module(generated_name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not (generated_name == exc.name or generated_name.startswith(exc.name + ".")):
                raise
            raise AttributeError(
                f"module {spec_module!r} has no attribute {name!r} "
                f"(its generated module {generated_name} is not built: run `jaunt apply`)"
            ) from None
        try:
            return getattr(generated, name)
        except AttributeError:
            raise missing from None

    vars(module)["__getattr__"] = __getattr__


def _dep_refs(deps: Deps, option: str) -> tuple[str, ...]:
    """Spec refs for ``deps`` (or ``targets``), so introspection sees strings whatever was passed."""
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
            raise TypeError(f"jaunt: {option} must be spec refs ('pkg.mod:Name') or functions/classes, got {dep!r}")
    return tuple(refs)


def spec_info(obj: Any, kind: SpecKind, object_kind: ObjectKind, chosen: Options) -> SpecInfo:
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
        deps=chosen.deps,
        prompt=chosen.prompt,
        infer_deps=chosen.infer_deps,
        test=chosen.test,
        targets=chosen.targets,
        public_api_only=chosen.public_api_only,
    )


class _Implementation:
    """A spec's generated counterpart, looked up on first use and then cached."""

    __slots__ = ("_find", "_target")

    def __init__(self, find: Callable[[], Any]) -> None:
        self._find = find
        self._target: Any = None

    def __call__(self) -> Any:
        if self._target is None:
            self._target = self._find()
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
    implementation = _Implementation(lambda: _load(info))
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
    real error, :class:`JauntNotBuiltError` or :class:`JauntGenerationError`.
    """
    _fold_method_specs(cls)
    try:
        return _adopt(cls, _load(info), info)
    except (ImportError, AttributeError, JauntNotBuiltError, JauntGenerationError):
        return _make_stand_in(cls, info)


def _fold_method_specs(cls: type) -> None:
    """Undo ``@jaunt.magic`` on the class spec's own methods.

    The build generates a class spec as one unit, so its methods must not
    forward one by one: each is put back as the function the user wrote,
    keeping ``@jaunt.sig``/``@jaunt.preserve`` marks applied above the inner
    decorator.
    """
    for name, member in list(vars(cls).items()):
        written = _unforwarded(member, f"{cls.__qualname__}.{name}")
        if written is not None:
            setattr(cls, name, written)


def _unforwarded(member: Any, qualname: str) -> Any:
    """``member`` with the forwarder of the method spec ``qualname`` removed, or None if it has none."""
    if isinstance(member, (staticmethod, classmethod)):
        inner = _unforwarded(member.__func__, qualname)
        return None if inner is None else type(member)(inner)
    if isinstance(member, property):
        parts: list[Any] = [member.fget, member.fset, member.fdel]
        unwrapped = [_unforwarded(part, qualname) for part in parts]
        if all(part is None for part in unwrapped):
            return None
        fget, fset, fdel = (new if new is not None else old for new, old in zip(unwrapped, parts, strict=True))
        return property(fget, fset, fdel, member.__doc__)
    info = getattr(member, "__jaunt_spec__", None) if inspect.isfunction(member) else None
    if not isinstance(info, SpecInfo) or info.qualname != qualname:
        return None
    written = member.__wrapped__
    for mark in _markers.MARKS:
        if vars(member).get(mark) is True:
            setattr(written, mark, True)
    return written


def _adopt(spec: type, generated: Any, info: SpecInfo) -> type:
    """Make ``generated`` the class that stands for ``spec``.

    ``@jaunt.sig`` methods are checked first, so a class that changed a sealed
    signature is never handed out; then each ``@jaunt.preserve`` member of the
    spec replaces the generated one, so the handwritten code is what runs.
    """
    if not isinstance(generated, type):
        raise JauntGenerationError(
            f"jaunt spec {info.ref} is a class, but {info.generated_module}.{info.qualname} is a "
            f"{type(generated).__name__}. Regenerate it: `jaunt apply --force --target {info.module}`."
        )
    for name, member in vars(spec).items():
        if _markers.is_sealed(member):
            _check_sealed(name, member, generated, info)
    for name, member in vars(spec).items():
        if _markers.is_preserved(member):
            setattr(generated, name, member)
    generated.__jaunt_spec__ = info  # type: ignore[attr-defined]
    return generated


def _check_sealed(name: str, member: Any, generated: type, info: SpecInfo) -> None:
    produced = inspect.getattr_static(generated, name, None)
    if _same_signature(member, produced):
        return
    raise JauntGenerationError(
        f"jaunt spec {info.ref}: @jaunt.sig requires {info.qualname}.{name} to be "
        f"{_describe(member)}, but the generated class has {_describe(produced)}. "
        f"Regenerate it: `jaunt apply --force --target {info.module}`."
    )


def _same_signature(sealed: Any, produced: Any) -> bool:
    """Whether two class members bind alike and have the same parameters and return annotation.

    Parameters must agree in name, kind, default and annotation. Annotations
    are compared as text without module prefixes, quotes or spaces, so
    ``Money`` written under ``from __future__ import annotations`` equals the
    class object ``shop.money.Money`` and ``list["Cart"]`` equals
    ``list[Cart]``; nothing is evaluated, since a spec's annotations may name
    what only a type checker imports.
    """
    sealed_function, produced_function = _function(sealed), _function(produced)
    if sealed_function is None or produced_function is None or _binding(sealed) != _binding(produced):
        return False
    expected, actual = inspect.signature(sealed_function), inspect.signature(produced_function)
    if _annotation_text(expected.return_annotation) != _annotation_text(actual.return_annotation):
        return False
    if len(expected.parameters) != len(actual.parameters):
        return False
    return all(
        want.name == got.name
        and want.kind == got.kind
        and _annotation_text(want.annotation) == _annotation_text(got.annotation)
        and _same_default(want.default, got.default)
        for want, got in zip(expected.parameters.values(), actual.parameters.values(), strict=True)
    )


def _function(member: Any) -> Any:
    function = member.__func__ if isinstance(member, (staticmethod, classmethod)) else member
    return function if inspect.isfunction(function) else None


def _binding(member: Any) -> str:
    return type(member).__name__ if isinstance(member, (staticmethod, classmethod)) else "method"


_MODULE_PREFIX = re.compile(r"\b(?:[A-Za-z_]\w*\.)+(?=[A-Za-z_])")


def _annotation_text(annotation: Any) -> str:
    if annotation is inspect.Parameter.empty:
        return ""
    text = annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)
    return re.sub(r"[\s'\"]", "", _MODULE_PREFIX.sub("", text))


def _same_default(want: Any, got: Any) -> bool:
    """Defaults are separate objects in spec and generated code: equal by value, else by repr."""
    if want is inspect.Parameter.empty or got is inspect.Parameter.empty:
        return want is got
    try:
        if bool(want == got):
            return True
    except Exception:  # a default whose __eq__ refuses the comparison
        pass
    return repr(want) == repr(got)


def _describe(member: Any) -> str:
    function = _function(member)
    if function is None:
        return "no such method" if member is None else f"a {type(member).__name__}"
    binding = _binding(member)
    prefix = "" if binding == "method" else f"a {binding} "
    return f"{prefix}{function.__name__}{inspect.signature(function)}"


def _make_stand_in(cls: type, info: SpecInfo) -> type:
    """Turn the spec class itself into a stand-in for its generated class.

    The class is changed in place, not subclassed, so everything the spec's
    author relied on stays as written: its metaclass (``ABCMeta`` or custom),
    decorators applied before or after this one (``@dataclass``), its name and
    signature. Only ``__new__`` changes: instantiating the stand-in returns an
    instance of the generated class, or raises :class:`JauntNotBuiltError`
    (or :class:`JauntGenerationError` when it breaks a ``@jaunt.sig``).
    Subclasses the user derives from the stand-in construct normally.
    """
    implementation = _Implementation(lambda: _adopt(cls, _load(info), info))
    inherited_new: Callable[..., Any] = cls.__new__

    def __new__(klass: type, /, *args: Any, **kwargs: Any) -> Any:
        # A dataclass(slots=True) copy carries the marker in its own dict; a
        # user subclass only inherits it.
        if klass.__dict__.get("__jaunt_spec__") is not info:
            if inherited_new is object.__new__:
                return object.__new__(klass)
            return inherited_new(klass, *args, **kwargs)
        generated = implementation()
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
