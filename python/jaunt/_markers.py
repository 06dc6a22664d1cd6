"""``@jaunt.preserve`` and ``@jaunt.sig``: marks that the build reads and the runtime honours.

Neither changes the object it decorates; each sets a flag on it (on the
function inside a ``staticmethod``, ``classmethod`` or ``property``, since
those cannot carry attributes of their own). The flag is read from the
object's own ``__dict__``, so a class never inherits a base class's mark.

* ``preserve`` keeps a definition handwritten: a method of a whole-class
  spec stays the spec's own (the generated class is given the spec's method
  object), and a stub under ``jaunt.magic_module`` is not a spec.
* ``sig`` seals a method of a whole-class spec: the generated method must
  have exactly the spec's signature, checked when the class is first used.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, TypeVar, overload

PRESERVE = "__jaunt_preserve__"
SIG = "__jaunt_sig__"
MARKS = (PRESERVE, SIG)

T = TypeVar("T")


@overload
def preserve(obj: T, /) -> T: ...
@overload
def preserve(obj: None = None, /) -> Callable[[T], T]: ...
def preserve(obj: Any = None, /) -> Any:
    """Keep a definition handwritten (usable bare or as ``@jaunt.preserve()``)."""
    return _marker(PRESERVE, "preserve", obj, _preservable)


@overload
def sig(obj: T, /) -> T: ...
@overload
def sig(obj: None = None, /) -> Callable[[T], T]: ...
def sig(obj: Any = None, /) -> Any:
    """Require the generated method to keep this method's exact signature."""
    return _marker(SIG, "sig", obj, _function_of)


def is_preserved(obj: object) -> bool:
    return _has(obj, PRESERVE, _preservable)


def is_sealed(obj: object) -> bool:
    return _has(obj, SIG, _function_of)


def _marker(flag: str, name: str, obj: Any, carrier: Callable[[object], Any]) -> Any:
    def mark(target: Any) -> Any:
        holder = carrier(target)
        if holder is None:
            what = "functions, methods and classes" if flag == PRESERVE else "functions and methods"
            raise TypeError(f"@jaunt.{name} applies to {what}, got {target!r}")
        setattr(holder, flag, True)
        return target

    return mark if obj is None else mark(obj)


def _has(obj: object, flag: str, carrier: Callable[[object], Any]) -> bool:
    holder = carrier(obj)
    return holder is not None and vars(holder).get(flag) is True


def _function_of(obj: object) -> Any:
    """The plain function ``obj`` is or wraps, or None."""
    if isinstance(obj, (staticmethod, classmethod)):
        obj = obj.__func__
    return obj if inspect.isfunction(obj) else None


def _preservable(obj: object) -> Any:
    if isinstance(obj, type):
        return obj
    if isinstance(obj, property):
        return _function_of(obj.fget)
    return _function_of(obj)
