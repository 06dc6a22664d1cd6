#!/usr/bin/env python3
"""A deterministic fake generator: a TEST DOUBLE for a language model.

jaunt's `command` backend writes one JSON request to stdin and reads a
Python module from stdout. This program answers without any model:

* if `<impls>/<generated_module>.py` exists, where <impls> is the
  `--impls DIR` argument (relative to the working directory, which jaunt
  sets to the project root) or `$FAKE_GEN_IMPLS`, it prints that file
  (canned, working implementations for end-to-end tests and the example);
* otherwise it prints a module defining every expected name with a stub
  body that returns a digest of the request's spec sources, so a changed
  spec changes the output. A class spec keeps what its `members` demand:
  preserved methods verbatim, sealed and inner-spec methods with their
  signatures; in a test request (baseline class tests) it becomes a test
  that imports the class from its module.

A contract request (`"kind": "contract"`) is answered with one test per
`- LINE` line of its spec's prompt (see contract_tests).
A skill request (`"kind": "skill"`) is answered with a short SKILL.md
body naming the distribution, its version and a digest of the README.

Every request is appended as one JSON line to `$FAKE_GEN_LOG` when set, so
tests can count calls and inspect what each request carried; the value of
`$JAUNT_DOTENV_PROBE` is logged beside it as `_env_probe`, to show which
environment the generator ran with.

Knobs, for failure tests:
  FAKE_GEN_INVALID   comma-separated spec modules whose output is always
                     invalid (a missing definition and a syntax error)
  FAKE_GEN_INVALID_FIRST  same, but only on attempt 1
  FAKE_GEN_SIG_DRIFT_FIRST  comma-separated spec modules whose sealed
                     (`@jaunt.sig`) methods gain a parameter on attempt 1,
                     as a model that ignores the seal would write them
  FAKE_GEN_EXIT      comma-separated spec modules for which the program
                     exits 3 with a message on stderr
  FAKE_GEN_IMPORT_FIRST  a module every first attempt imports at its top
                     (an import the project may not allow)
  FAKE_GEN_SLEEP     seconds to sleep per request (latency)
  FAKE_GEN_KILL      a process id every request kills first (a service
                     that goes down mid-run)
  FAKE_GEN_FENCE     wrap the output in a markdown fence
  FAKE_GEN_PAD       append this many bytes of comment lines (a big
                     answer that compresses well: the store object stays
                     small while the generated file is large)

Knobs that make it behave more like a model:
  FAKE_GEN_MIRROR    stubs keep each spec's own signature (parameters,
                     annotations, defaults, return type, bases) instead of
                     `(*args, **kwargs)`, so a module's public interface
                     follows its specs
  FAKE_GEN_NOISE     every answer differs: a random comment and a random
                     private helper are added, as a real model never writes
                     the same bytes twice
"""

import ast
import hashlib
import json
import os
import secrets
import signal
import sys
import textwrap
import time


def listed(var, module):
    return module in [m for m in os.environ.get(var, "").split(",") if m]


JAUNT_MARKS = {"magic", "preserve", "sig"}


def is_jaunt_mark(decorator):
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    if isinstance(target, ast.Attribute):
        return target.attr in JAUNT_MARKS
    return isinstance(target, ast.Name) and target.id in JAUNT_MARKS


def with_extra_parameter(signature):
    """`def f(a) -> R` as `def f(a, extra=None) -> R`: a broken seal."""
    head, sep, tail = signature.rpartition(")")
    extra = "extra=None" if head.endswith("(") else ", extra=None"
    return head + extra + sep + tail


def class_body(spec, digest, drift):
    """The body of a class spec: preserved methods verbatim, sealed and
    inner-spec methods with their signatures (sealed ones drifting when
    asked), every other method left to the (fake) model's design."""
    lines = [f"    SPEC_DIGEST = {digest!r}"]
    tree = ast.parse(textwrap.dedent(spec["source"]))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef))
    defs = {n.name: n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    for member in spec.get("members", []):
        role = member["role"]
        if role == "preserved":
            node = defs[member["name"]]
            node.decorator_list = [d for d in node.decorator_list if not is_jaunt_mark(d)]
            lines += textwrap.indent(ast.unparse(node), "    ").splitlines()
        elif role in ("sealed", "spec"):
            signature = member["signature"]
            if role == "sealed" and drift:
                signature = with_extra_parameter(signature)
            lines += [f"    {signature}:", f"        return {digest!r}"]
    return lines


def stub(request, drift=False):
    digest = hashlib.blake2b(
        "\n".join(s["source"] for s in request["specs"]).encode(), digest_size=8
    ).hexdigest()
    lines = [f'"""Stub implementation of {request["spec_module"]} (fake generator)."""', ""]
    class_specs = {s["qualname"] for s in request["specs"] if s["kind"] == "class"}
    classes = {}
    for name in request["expected_names"]:
        if "." in name:
            outer, method = name.split(".", 1)
            if outer not in class_specs:
                classes.setdefault(outer, []).append(method)
    for spec in request["specs"]:
        name = spec["qualname"]
        if "." in name:
            continue
        if request["kind"] == "test" and spec["kind"] == "class":
            # Baseline tests of a class spec: import it through its module.
            module = spec["ref"].split(":")[0]
            lines += [
                f"def test_{name}():",
                f"    from {module} import {name}",
                f"    assert isinstance({name}, type)",
                "",
            ]
        elif spec["kind"] == "class":
            lines += [f"class {name}:", *class_body(spec, digest, drift), ""]
        elif spec["kind"] == "async_function":
            lines += [f"async def {name}(*args, **kwargs):", f"    return {digest!r}", ""]
        else:
            lines += [f"def {name}(*args, **kwargs):", f"    return {digest!r}", ""]
    for outer, methods in classes.items():
        lines.append(f"class {outer}:")
        for m in methods:
            lines += [f"    def {m}(self, *args, **kwargs):", f"        return {digest!r}"]
        lines.append("")
    for dep in request.get("dependency_modules", []):
        lines.append(f"# uses generated {dep['module']}")
    return "\n".join(lines) + "\n"


def mirrored(request, drift=False):
    """Each spec's own signature with a body returning a digest of the specs."""
    digest = hashlib.blake2b(
        "\n".join(s["source"] for s in request["specs"]).encode(), digest_size=8
    ).hexdigest()
    body = [ast.Return(value=ast.Constant(digest))]
    out = [f'"""Implementation of {request["spec_module"]} (fake generator)."""', ""]
    classes = {}
    for spec in request["specs"]:
        tree = ast.parse(textwrap.dedent(spec["source"]))
        node = tree.body[0]
        node.decorator_list = []
        if "." in spec["qualname"]:
            outer = spec["qualname"].split(".")[0]
            node.body = body
            classes.setdefault(outer, []).append(node)
            continue
        if isinstance(node, ast.ClassDef):
            node.body = [ast.Pass()]
            header = ast.unparse(node).splitlines()[0]
            out += [header, *class_body(spec, digest, drift), ""]
            continue
        node.body = body
        out += [ast.unparse(node), ""]
    for outer, methods in classes.items():
        cls = ast.ClassDef(name=outer, bases=[], keywords=[], body=methods, decorator_list=[], type_params=[])
        out += [ast.unparse(cls), ""]
    return "\n".join(out) + "\n"


def noisy(body):
    """The same module with a random comment and a random private helper."""
    tag = secrets.token_hex(4)
    return f"# generated at random {tag}\n{body}\n\ndef _helper_{tag}():\n    return {tag!r}\n"


def skill(request):
    readme = hashlib.blake2b(request["readme"].encode(), digest_size=8).hexdigest()
    return (
        f"# {request['dist']} {request['version']}\n\n"
        f"Fake skill for {request['dist']} version {request['version']} (README {readme}).\n"
    )


def contract_case(line, wrong):
    """The body of a test for one listed line. `Examples: X -> Y` and
    `Raises: X raises E` (lines in no shape derivation reads) become their
    assertion; any other line (a property) is asserted as it is."""
    section, _, rest = line.partition(": ")
    section = section.split(" of ")[0]
    if section == "Raises" and " raises " in rest:
        call, _, error = rest.rpartition(" raises ")
        return f"    import pytest\n\n    with pytest.raises({error}):\n        {'pass' if wrong else call}\n"
    if section == "Examples" and " -> " in rest:
        left, _, right = rest.partition(" -> ")
        line = f"({left}) == ({right})"
    return f"    assert {f'not ({line})' if wrong else line}\n"


def contract_tests(request):
    """Tests for the docstring lines a contract request lists (`- LINE`):
    one each (contract_case). FAKE_GEN_CONTRACT_WRONG (spec modules) asserts
    the opposite on every attempt, FAKE_GEN_CONTRACT_WRONG_FIRST on the
    first one only, so the battery fails against the code."""
    module = request["spec_module"]
    wrong = listed("FAKE_GEN_CONTRACT_WRONG", module) or (
        listed("FAKE_GEN_CONTRACT_WRONG_FIRST", module) and request.get("attempt", 1) == 1
    )
    spec = request["specs"][0]
    lines = [l.strip()[2:] for l in (spec["prompt"] or "").splitlines() if l.strip().startswith("- ")]
    out = ""
    for i, line in enumerate(lines, 1):
        out += f"\n\ndef test_model_{i}():\n{contract_case(line, wrong)}"
    return out


def main():
    request = json.load(sys.stdin)
    log = os.environ.get("FAKE_GEN_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            logged = dict(request, _env_probe=os.environ.get("JAUNT_DOTENV_PROBE"))
            f.write(json.dumps(logged, sort_keys=True) + "\n")
    if os.environ.get("FAKE_GEN_KILL"):
        try:
            os.kill(int(os.environ["FAKE_GEN_KILL"]), signal.SIGKILL)
        except ProcessLookupError:
            pass
    if os.environ.get("FAKE_GEN_SLEEP"):
        time.sleep(float(os.environ["FAKE_GEN_SLEEP"]))
    if request.get("kind") == "skill":
        sys.stdout.write(skill(request))
        return
    if request.get("kind") == "contract":
        sys.stdout.write(contract_tests(request))
        return
    module = request["spec_module"]
    if listed("FAKE_GEN_EXIT", module):
        print(f"fake generator: refusing {module}", file=sys.stderr)
        sys.exit(3)
    if listed("FAKE_GEN_INVALID", module) or (
        listed("FAKE_GEN_INVALID_FIRST", module) and request.get("attempt", 1) == 1
    ):
        print("def broken(:\n    pass\n")
        return
    impls = os.environ.get("FAKE_GEN_IMPLS")
    if "--impls" in sys.argv[1:-1]:
        impls = sys.argv[sys.argv.index("--impls") + 1]
    canned = os.path.join(impls, request["generated_module"] + ".py") if impls else None
    if canned and os.path.exists(canned):
        with open(canned, encoding="utf-8") as f:
            body = f.read()
    else:
        drift = listed("FAKE_GEN_SIG_DRIFT_FIRST", module) and request.get("attempt", 1) == 1
        body = mirrored(request, drift) if os.environ.get("FAKE_GEN_MIRROR") else stub(request, drift)
    if os.environ.get("FAKE_GEN_NOISE"):
        body = noisy(body)
    if os.environ.get("FAKE_GEN_IMPORT_FIRST") and request.get("attempt", 1) == 1:
        body = f"import {os.environ['FAKE_GEN_IMPORT_FIRST']}\n{body}"
    if os.environ.get("FAKE_GEN_PAD"):
        line = "# " + "x" * 77 + "\n"
        body += line * (int(os.environ["FAKE_GEN_PAD"]) // len(line) + 1)
    if os.environ.get("FAKE_GEN_FENCE"):
        body = "Here is the module:\n```python\n" + body + "```\n"
    sys.stdout.write(body)


if __name__ == "__main__":
    main()
