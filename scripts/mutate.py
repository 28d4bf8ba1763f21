"""Mutation testing of the pure domain: do the unit tests notice when a rule changes?

    .venv/bin/python scripts/mutate.py                     # every target module (make mutate)
    .venv/bin/python scripts/mutate.py --module routing    # one (repeatable)
    .venv/bin/python scripts/mutate.py --list              # the mutants, without running anything

Each target module is parsed with ``ast``; every mutation point yields one or more mutants (below). One mutant
at a time is written over the module in a *temporary copy* of ``notify_core`` (put first on ``PYTHONPATH``; the
working tree is never modified) and the module's unit tests run against it (``pytest -x``). A mutant is
*killed* when a test fails, *survives* when they all pass; a run past the timeout counts as killed (reported
apart). Two workers, each with its own copy, run mutants in parallel.

Our own mutator rather than mutmut: mutmut mutates only the bodies of undecorated functions, not module-level
code, class bodies or decorated functions, which is where the contract's limits live (pydantic
``Field(max_length=...)``, ``StringConstraints(pattern=...)``, ``@field_validator`` bodies); it also wants to
own the package layout (its ``mutants/`` tree), whereas ours lives under ``layers/core`` and is installed
editable. This one needs nothing beyond the standard library and
is deterministic: the same source yields the same numbered mutants.

Operators (the tag printed with each mutant):
  compare    ``==``/``!=``, ``<``/``<=``, ``>``/``>=``, ``in``/``not in``, ``is``/``is not`` swapped
  boolop     ``and``/``or`` swapped; ``boolop-drop``: one operand of an ``and``/``or`` removed
  not        ``not x`` -> ``x``
  binop      ``&``/``|``, ``+``/``-`` (not on strings), ``**`` -> ``*``; ``augassign``: ``x += y`` -> ``x = y``
  loop       ``continue``/``break`` swapped
  number     an integer constant +1 and -1 (``limit`` when it is a keyword of ``Field``/``StringConstraints``)
  bool       ``True``/``False`` swapped (``return True``, defaults, keyword flags)
  string     a string compared with (``x == "sms"``) or passed to ``startswith``/``endswith`` changed
  regex      a pattern (``re.compile``/``fullmatch``/``match``/``search``, ``pattern=``): an anchor dropped, a
             ``{m,n}`` bound +-1, ``+``/``*`` swapped, ``?`` dropped, one element of a character class or one
             alternative of a group dropped
  config     pydantic ``ConfigDict(extra=...)`` changed (forbid/allow/ignore)
  network    an ``ip_network("a.b.c.d/n")`` prefix length +-1
  element    one element dropped from a set literal, or from a tuple tested with ``in`` or caught by ``except``
  raise      ``raise ...`` -> ``pass`` (validators included)
  condition  the test of an ``if``/``elif``/conditional expression/comprehension filter -> ``True`` and ``False``
  call       a call made for its effect (``self.skip(...)``, ``ids.add(...)``) removed
  method     ``x.strip()``/``x.lower()``/... -> ``x``
  slice      one bound of a slice dropped

Mutants that change nothing (equivalent mutants) are listed, each with its reason, in
``scripts/mutation_equivalents.toml``; the score is killed / (mutants - listed equivalents). The run exits 1 if
a module scores under 95%, and names a listed equivalent that a test now kills (the list must not go stale).
"""

from __future__ import annotations

import argparse
import ast
import copy
import importlib
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "layers" / "core" / "notify_core"
PYTHON = REPO / ".venv" / "bin" / "python"
EQUIVALENTS = REPO / "scripts" / "mutation_equivalents.toml"
THRESHOLD = 0.95


@dataclass(frozen=True)
class Target:
    path: str  # relative to notify_core/
    tests: tuple[str, ...]  # files under tests/unit/ that exercise it


# The unit tests that exercise each module (the others cannot kill its mutants, and each run must stay short).
TARGETS: dict[str, Target] = {
    "routing": Target(
        "domain/routing.py",
        (
            "test_unit_routing.py",
            "test_unit_routing_rules.py",
            "test_unit_audiences.py",
            "test_unit_telegram.py",
            "test_unit_attachments.py",
            "test_unit_dispatch.py",
        ),
    ),
    "ssrf": Target("domain/ssrf.py", ("test_unit_ssrf.py", "test_unit_ssrf_resolver.py")),
    "signing": Target("domain/signing.py", ("test_unit_signing.py",)),
    "addresses": Target(
        "domain/addresses.py",
        ("test_unit_addresses.py", "test_unit_address_limits.py", "test_unit_telegram.py", "test_unit_routing.py"),
    ),
    "envelope": Target(
        "domain/envelope.py",
        ("test_unit_envelope.py", "test_unit_envelope_limits.py", "test_unit_attachments.py", "test_unit_routing.py"),
    ),
}


# --- mutants -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mutant:
    module: str
    number: int  # 1-based, in source order
    line: int
    context: str  # the source line, stripped: with ``mutation``, what the equivalents list matches on
    operator: str
    mutation: str  # "<before> → <after>"
    node_index: int  # position of the mutated node in ast.walk order
    variant: int  # which of that node's mutations

    @property
    def where(self) -> str:
        return f"{TARGETS[self.module].path}:{self.line}"


Replacement = tuple[str, str, ast.AST]  # operator, description of the change, replacement node

_CMP_SWAP: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_BINOP_SWAP: dict[type[ast.operator], type[ast.operator]] = {
    ast.BitAnd: ast.BitOr,
    ast.BitOr: ast.BitAnd,
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Pow: ast.Mult,
}
_LIMIT_CALLS = {"Field", "StringConstraints", "conint", "constr", "conlist"}
_REGEX_FUNCS = {"compile", "fullmatch", "match", "search"}
_NORMALISING_METHODS = {"strip", "lstrip", "rstrip", "lower", "upper", "casefold"}
_EXTRA = ("forbid", "allow", "ignore")


def _short(text: str, limit: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_int(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool)


def _call_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name):
            return func.id
        if isinstance(func, ast.Attribute):
            return func.attr
    return None


# -- regular expressions --


def _escape_len(p: str, i: int) -> int:
    if p[i + 1 : i + 2] == "x":
        return 4
    if p[i + 1 : i + 2] == "u":
        return 6
    return 2


def _class_end(p: str, i: int) -> int:
    j = i + 1
    if p[j : j + 1] == "^":
        j += 1
    if p[j : j + 1] == "]":
        j += 1
    while p[j] != "]":
        j += _escape_len(p, j) if p[j] == "\\" else 1
    return j


def _class_elements(inner: str) -> list[tuple[int, int]]:
    """(start, end) of each element of a character class body: a range, an escape or a character."""
    elements: list[tuple[int, int]] = []
    i = 1 if inner.startswith("^") else 0

    def token(k: int) -> int:
        return k + (_escape_len(inner, k) if inner[k] == "\\" else 1)

    while i < len(inner):
        end = token(i)
        if end < len(inner) - 1 and inner[end] == "-":
            end = token(end + 1)
        elements.append((i, end))
        i = end
    return elements


def _group_end(p: str, i: int) -> int:
    depth, j = 0, i
    while j < len(p):
        c = p[j]
        if c == "\\":
            j += _escape_len(p, j)
            continue
        if c == "[":
            j = _class_end(p, j) + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return j
        j += 1
    raise ValueError(f"unbalanced group in {p!r}")


def _alternatives(inner: str) -> list[tuple[int, int]]:
    spans, start, depth, j = [], 0, 0, 0
    while j < len(inner):
        c = inner[j]
        if c == "\\":
            j += _escape_len(inner, j)
            continue
        if c == "[":
            j = _class_end(inner, j) + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            spans.append((start, j))
            start = j + 1
        j += 1
    spans.append((start, len(inner)))
    return spans


def regex_mutants(p: str) -> list[tuple[str, str]]:  # noqa: C901 - one branch per regex construct mutated
    """(label, mutated pattern) for every regex mutation of ``p``; only patterns that still compile."""
    out: list[tuple[str, str]] = []
    if p.startswith("^"):
        out.append(("drop ^", p[1:]))
    if p.endswith("$") and not p.endswith("\\$"):
        out.append(("drop $", p[:-1]))
    i, prev_atom = 0, False
    while i < len(p):
        c = p[i]
        if c == "\\":
            i += _escape_len(p, i)
            prev_atom = True
            continue
        if c == "[":
            j = _class_end(p, i)
            inner = p[i + 1 : j]
            elements = _class_elements(inner)
            if len(elements) >= 2:
                for s, e in elements:
                    out.append((f"@{i}: [{inner}] without {inner[s:e]!r}", p[: i + 1] + inner[:s] + inner[e:] + p[j:]))
            i, prev_atom = j + 1, True
            continue
        if c == "{":
            m = re.match(r"\{(\d+)(?:(,)(\d*))?\}", p[i:])
            if m:
                lo, comma, hi = int(m.group(1)), m.group(2), m.group(3)
                variants = []
                if comma and hi:
                    h = int(hi)
                    variants = [(lo - 1, h), (lo + 1, h), (lo, h - 1), (lo, h + 1)]
                    texts = [f"{{{a},{b}}}" for a, b in variants if 0 <= a <= b]
                elif comma:
                    texts = [f"{{{a},}}" for a in (lo - 1, lo + 1) if a >= 0]
                else:
                    texts = [f"{{{a}}}" for a in (lo - 1, lo + 1) if a >= 0]
                for t in texts:
                    out.append((f"@{i}: {m.group(0)} → {t}", p[:i] + t + p[i + len(m.group(0)) :]))
                i += len(m.group(0))
                prev_atom = False
                continue
        if c in "+*" and prev_atom:
            other = "*" if c == "+" else "+"
            out.append((f"@{i}: {c} → {other}", p[:i] + other + p[i + 1 :]))
            prev_atom = False
        elif c == "?" and prev_atom:
            out.append((f"@{i}: drop ?", p[:i] + p[i + 1 :]))
            prev_atom = False
        elif c == "(":
            j = _group_end(p, i)
            inner = p[i + 1 : j]
            if not inner.startswith("?"):
                spans = _alternatives(inner)
                if len(spans) >= 2:
                    for s, e in spans:
                        rest = [inner[a:b] for a, b in spans if (a, b) != (s, e)]
                        out.append((f"@{i}: group without {inner[s:e]!r}", p[: i + 1] + "|".join(rest) + p[j:]))
            prev_atom = False  # the group's content is scanned next; its quantifier follows ")"
        elif c == ")":
            prev_atom = True
        elif c in "^$|":
            prev_atom = False
        else:
            prev_atom = True
        i += 1
    valid = []
    for label, mutated in out:
        try:
            re.compile(mutated)
        except re.error:
            continue
        valid.append((label, mutated))
    return valid


# -- the mutation points of one node --


class _Context:
    """Where each node sits (its parent), and which nodes are not code to mutate (annotations, docstrings)."""

    def __init__(self, tree: ast.AST) -> None:  # noqa: C901 - one rule per kind of node that is not code to mutate
        self.parent: dict[int, ast.AST] = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                self.parent[id(child)] = node
        self.skip: set[int] = set()
        for node in ast.walk(tree):
            annotations: list[ast.AST | None] = []
            if isinstance(node, ast.AnnAssign | ast.arg):
                annotations.append(node.annotation)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                annotations.append(node.returns)
            elif isinstance(node, ast.JoinedStr):
                annotations.extend(v for v in node.values if isinstance(v, ast.Constant))
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                body = node.body
                if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                    annotations.append(body[0])
            if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and _is_int(node.operand):
                annotations.append(node.operand)  # -1 is mutated as a whole (to -2 and 0)
            for a in annotations:
                if a is not None:
                    self.skip.update(id(n) for n in ast.walk(a))


def _replacements(node: ast.AST, ctx: _Context) -> list[Replacement]:  # noqa: C901 - one branch per AST node kind mutated
    if id(node) in ctx.skip:
        return []
    parent = ctx.parent.get(id(node))
    out: list[Replacement] = []

    def add(operator: str, new: ast.AST, label: str | None = None) -> None:
        ast.fix_missing_locations(ast.copy_location(new, node))
        out.append((operator, label or _short(ast.unparse(new)), new))

    if isinstance(node, ast.Compare):
        for k, op in enumerate(node.ops):
            swap = _CMP_SWAP.get(type(op))
            if swap:
                new = copy.deepcopy(node)
                new.ops[k] = swap()
                add("compare", new)
    elif isinstance(node, ast.BoolOp):
        new = copy.deepcopy(node)
        new.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        add("boolop", new)
        for k in range(len(node.values)):
            values = [copy.deepcopy(v) for j, v in enumerate(node.values) if j != k]
            dropped = f"without {_short(ast.unparse(node.values[k]), 60)}"
            add(
                "boolop-drop",
                values[0] if len(values) == 1 else ast.BoolOp(op=copy.deepcopy(node.op), values=values),
                dropped,
            )
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        add("not", copy.deepcopy(node.operand))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and _is_int(node.operand):
        n = -node.operand.value  # type: ignore[attr-defined]
        for v in (n + 1, n - 1):
            add("number", ast.UnaryOp(op=ast.USub(), operand=ast.Constant(-v)) if v < 0 else ast.Constant(v))
    elif isinstance(node, ast.BinOp) and type(node.op) in _BINOP_SWAP:
        strings = any(
            isinstance(side, ast.JoinedStr) or (isinstance(side, ast.Constant) and isinstance(side.value, str))
            for side in (node.left, node.right)
        )
        if not (strings and isinstance(node.op, ast.Add)):
            new = copy.deepcopy(node)
            new.op = _BINOP_SWAP[type(node.op)]()
            add("binop", new)
    elif isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add):
        add(
            "augassign",
            ast.Assign(targets=[copy.deepcopy(node.target)], value=copy.deepcopy(node.value), type_comment=None),
        )
    elif isinstance(node, ast.Continue):
        add("loop", ast.Break())
    elif isinstance(node, ast.Break):
        add("loop", ast.Continue())
    elif isinstance(node, ast.Raise):
        add("raise", ast.Pass(), "pass")
    elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        add("call", ast.Pass(), "pass")
    elif isinstance(node, ast.Constant):
        out.extend(_constant_replacements(node, parent, ctx))
    elif isinstance(node, ast.Set) and len(node.elts) >= 2:
        for k in range(len(node.elts)):
            add("element", ast.Set(elts=[copy.deepcopy(e) for j, e in enumerate(node.elts) if j != k]))
    elif isinstance(node, ast.Tuple) and len(node.elts) >= 2 and isinstance(parent, ast.Compare | ast.ExceptHandler):
        for k in range(len(node.elts)):
            add(
                "element", ast.Tuple(elts=[copy.deepcopy(e) for j, e in enumerate(node.elts) if j != k], ctx=ast.Load())
            )
    elif isinstance(node, ast.Slice):
        for bound in ("lower", "upper"):
            if getattr(node, bound) is not None:
                new = copy.deepcopy(node)
                setattr(new, bound, None)
                add("slice", new, f"drop {bound} bound")
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in _NORMALISING_METHODS
        and not node.args
        and not node.keywords
    ):
        add("method", copy.deepcopy(node.func.value))
    elif isinstance(node, ast.keyword) and node.arg == "extra" and _call_name(parent) == "ConfigDict":
        value = node.value
        if isinstance(value, ast.Constant) and value.value in _EXTRA:
            for other in _EXTRA:
                if other != value.value:
                    add("config", ast.keyword(arg="extra", value=ast.Constant(other)))
    # the test of a condition: True (the check always passes) and False (never)
    if parent is not None and id(parent) not in ctx.skip:
        is_test = (isinstance(parent, ast.If | ast.IfExp | ast.While) and parent.test is node) or (
            isinstance(parent, ast.comprehension) and any(t is node for t in parent.ifs)
        )
        if is_test and not isinstance(node, ast.Constant):
            add("condition", ast.Constant(True))
            add("condition", ast.Constant(False))
    return out


def _constant_replacements(node: ast.Constant, parent: ast.AST | None, ctx: _Context) -> list[Replacement]:  # noqa: C901 - one branch per constant type
    out: list[Replacement] = []
    value = node.value
    if isinstance(value, bool):
        out.append(("bool", str(not value), ast.Constant(not value)))
    elif isinstance(value, int):
        operator = "number"
        if isinstance(parent, ast.keyword) and _call_name(ctx.parent.get(id(parent))) in _LIMIT_CALLS:
            operator = "limit"
        for v in (value + 1, value - 1):
            out.append((operator, str(v), ast.Constant(v)))
    elif isinstance(value, str):
        is_pattern = (
            isinstance(parent, ast.Call)
            and _call_name(parent) in _REGEX_FUNCS
            and parent.args
            and parent.args[0] is node
        ) or (isinstance(parent, ast.keyword) and parent.arg == "pattern")
        if is_pattern:
            for label, mutated in regex_mutants(value):
                out.append(("regex", label, ast.Constant(mutated)))
        elif isinstance(parent, ast.Compare) or (
            _call_name(parent) in {"startswith", "endswith"} and any(a is node for a in parent.args)  # type: ignore[union-attr]
        ):
            out.append(("string", repr(f"XX{value}XX"), ast.Constant(f"XX{value}XX")))
        elif _call_name(parent) == "ip_network" and "/" in value:
            net, prefix = value.rsplit("/", 1)
            for p in (int(prefix) - 1, int(prefix) + 1):
                out.append(("network", repr(f"{net}/{p}"), ast.Constant(f"{net}/{p}")))
    return out


def _mutation_points(tree: ast.AST) -> Iterator[tuple[int, ast.AST, list[Replacement], _Context]]:
    ctx = _Context(tree)
    for index, node in enumerate(ast.walk(tree)):
        replacements = _replacements(node, ctx)
        if replacements:
            yield index, node, replacements, ctx


def _place(parent: ast.AST, node: ast.AST, new: ast.AST) -> None:
    """Put ``new`` where ``node`` is among ``parent``'s children."""
    for name, value in ast.iter_fields(parent):
        if value is node:
            setattr(parent, name, new)
            return
        if isinstance(value, list) and any(v is node for v in value):
            value[next(i for i, v in enumerate(value) if v is node)] = new
            return
    raise RuntimeError("the mutated node is not among its parent's children")


_SHOWN_IN_CONTEXT = {"number", "limit", "bool", "string", "network"}


def _in_context(source: str, node: ast.AST, new: ast.AST, ctx: _Context) -> tuple[str, str] | None:
    """A constant's mutation shown with the expression around it (``split(":", 1)`` → ``split(':', 2)``): the
    bare ``1 → 2`` would not tell two constants of one line apart."""
    parent = ctx.parent.get(id(node))
    if isinstance(parent, ast.keyword) and parent.arg:
        return f"{parent.arg}={ast.get_source_segment(source, node)}", f"{parent.arg}={ast.unparse(new)}"
    if isinstance(parent, ast.expr) and not isinstance(parent, ast.BoolOp):
        before = ast.get_source_segment(source, parent)
        if before and len(before) <= 70:
            holder = copy.copy(parent)
            for name, value in ast.iter_fields(parent):
                setattr(holder, name, list(value) if isinstance(value, list) else value)
            _place(holder, node, new)
            return before, ast.unparse(holder)
    return None


def mutants_of(module: str) -> list[Mutant]:
    source = (PACKAGE / TARGETS[module].path).read_text()
    lines = source.splitlines()
    tree = ast.parse(source)
    found = []
    for index, node, replacements, ctx in _mutation_points(tree):
        before = _short(ast.get_source_segment(source, node) or ast.unparse(node))
        for variant, (operator, after, new) in enumerate(replacements):
            if operator == "regex":
                mutation = f"pattern {_short(before, 40)} {after}"
            elif operator in ("raise", "call"):
                mutation = f"{_short(before, 60)} → pass"
            elif operator == "boolop-drop":
                mutation = f"{_short(before, 60)} {after}"
            elif operator in _SHOWN_IN_CONTEXT and (shown := _in_context(source, node, new, ctx)):
                mutation = f"{_short(shown[0])} → {_short(shown[1])}"
            else:
                mutation = f"{before} → {after}"
            found.append((node.lineno, node.col_offset, index, variant, operator, mutation))
    found.sort(key=lambda f: (f[0], f[1], f[2], f[3]))
    return [
        Mutant(module, n, line, lines[line - 1].strip(), operator, mutation, index, variant)
        for n, (line, _col, index, variant, operator, mutation) in enumerate(found, 1)
    ]


def mutated_source(mutant: Mutant) -> str:
    """The module's source with this one mutation (re-parsed from the file: the mutants never share a tree)."""
    tree = ast.parse((PACKAGE / TARGETS[mutant.module].path).read_text())
    ctx = _Context(tree)
    node = list(ast.walk(tree))[mutant.node_index]
    _operator, _label, new = _replacements(node, ctx)[mutant.variant]
    _place(ctx.parent[id(node)], node, new)
    ast.fix_missing_locations(tree)
    return ast.unparse(tree)


def original_source(module: str) -> str:
    """The module as the mutants are written (ast.unparse): the baseline run proves the round trip is sound."""
    return ast.unparse(ast.parse((PACKAGE / TARGETS[module].path).read_text()))


# --- equivalents ---------------------------------------------------------------------------------------


@dataclass
class Equivalent:
    module: str
    line: str
    mutation: str
    why: str
    matched: list[Mutant] = field(default_factory=list)

    def matches(self, m: Mutant) -> bool:
        return (m.module, m.context, m.mutation) == (self.module, self.line, self.mutation)


def load_equivalents() -> list[Equivalent]:
    if not EQUIVALENTS.exists():
        return []
    data = tomllib.loads(EQUIVALENTS.read_text())
    return [Equivalent(e["module"], e["line"], e["mutation"], e["why"]) for e in data.get("equivalent", [])]


# --- running -------------------------------------------------------------------------------------------


class Workspace:
    """A private copy of notify_core that mutants are written into, one at a time, and its test worker.

    The worker (this script with ``--worker``, ``PYTHONPATH`` pointing at the copy) forks a child per run that
    calls ``pytest.main``: after a first run it pre-imports the third-party modules the tests load (never the
    project's own), so each mutant costs a fork and the tests instead of a fresh interpreter (~4x faster).
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        shutil.copytree(PACKAGE, root / "notify_core", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        templates = root / "notify_core" / "templates"
        if not templates.exists():
            templates.symlink_to(REPO / "templates")  # where an installed package keeps them (config looks there)
        env = {**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
        self.worker = subprocess.Popen(
            [str(PYTHON), __file__, "--worker"], cwd=REPO, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip

    def close(self) -> None:
        assert self.worker.stdin is not None
        self.worker.stdin.close()
        self.worker.wait(timeout=30)

    def run_tests(self, module: str, source: str, timeout: float, *, warm: bool = False) -> tuple[str, float, str]:
        """Write ``source`` over the module in this copy, run its tests, put the module back."""
        path = self.root / "notify_core" / TARGETS[module].path
        original = path.read_text()
        path.write_text(source)
        tests = [str(REPO / "tests" / "unit" / t) for t in TARGETS[module].tests if (REPO / "tests/unit" / t).exists()]
        try:
            assert self.worker.stdin is not None and self.worker.stdout is not None
            self.worker.stdin.write(json.dumps({"tests": tests, "timeout": timeout, "warm": warm}) + "\n")
            self.worker.stdin.flush()
            answer = self.worker.stdout.readline()
            if not answer:
                raise SystemExit(f"the test worker of {self.root} died")
            result = json.loads(answer)
        finally:
            path.write_text(original)
        return result["outcome"], result["seconds"], result["output"]


# --- the worker (a separate process per workspace: it forks, so it must not run threads) ---


_PROJECT = ("notify_core", "notify_local", "notify_infra", "functions", "tests", "conftest", "__main__", "__mp_main__")


def _fork_pytest(tests: list[str], timeout: float, dump: Path | None) -> tuple[str, float, str]:
    output = Path(os.environ["PYTHONPATH"]) / "pytest-output.txt"
    sys.stdout.flush()
    sys.stderr.flush()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: run the tests, report through the exit code
        try:
            fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            import pytest

            code = int(pytest.main(["-x", "-q", "-p", "no:cacheprovider", "-m", "unit", *tests]))
            if dump is not None:
                modules = {name: getattr(m, "__file__", None) for name, m in list(sys.modules.items())}
                dump.write_text(json.dumps(modules))
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        except BaseException:
            import traceback

            traceback.print_exc()
            sys.stderr.flush()
            os._exit(99)
    deadline = started + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "timeout", time.monotonic() - started, ""
        time.sleep(0.005)
    seconds = time.monotonic() - started
    code = os.waitstatus_to_exitcode(status)
    text = output.read_text(errors="replace")[-4000:] if output.exists() else ""
    # 0: every test passed; 1: a test failed; 2: interrupted (a collection error: the mutant breaks an import)
    if code in (3, 4, 5, 99):
        return f"error {code}", seconds, text
    return ("survived" if code == 0 else "killed"), seconds, text


def _preload(dump: Path) -> None:
    """Import the third-party modules the tests loaded, so that forked children find them loaded."""
    ours = ("layers", "tests", "infra", "functions", "scripts")
    roots = (*(str(REPO / d) for d in ours), os.environ["PYTHONPATH"])
    for name, file in sorted(json.loads(dump.read_text()).items()):
        if name.split(".")[0] in _PROJECT or name.startswith(("test_", "unit_factories", "fakes")):
            continue
        if file and file.startswith(roots):
            continue
        try:
            importlib.import_module(name)
        except Exception:
            continue  # some modules only import in their package's own order


def worker() -> int:
    for line in sys.stdin:
        job = json.loads(line)
        dump = Path(os.environ["PYTHONPATH"]) / "modules.json" if job["warm"] else None
        outcome, seconds, output = _fork_pytest(job["tests"], job["timeout"], dump)
        if dump is not None and dump.exists():
            _preload(dump)
        sys.stdout.write(json.dumps({"outcome": outcome, "seconds": seconds, "output": output}) + "\n")
        sys.stdout.flush()
    return 0


@dataclass
class ModuleReport:
    module: str
    mutants: list[Mutant]
    outcomes: dict[int, str] = field(default_factory=dict)
    equivalent: set[int] = field(default_factory=set)
    seconds: float = 0.0

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes.values() if o == outcome)

    @property
    def survivors(self) -> list[Mutant]:
        survived = [m for m in self.mutants if self.outcomes.get(m.number) == "survived"]
        return [m for m in survived if m.number not in self.equivalent]

    @property
    def score(self) -> float:
        counted = len(self.mutants) - len(self.equivalent)
        return (self.count("killed") + self.count("timeout")) / counted if counted else 1.0


def run(
    modules: list[str], jobs: int, equivalents: list[Equivalent], progress: Callable[[str], None]
) -> list[ModuleReport]:
    reports = []
    with tempfile.TemporaryDirectory(prefix="notify-mutate-") as tmp:
        workspaces = [Workspace(Path(tmp) / f"w{k}") for k in range(jobs)]
        try:
            for module in modules:
                reports.append(_run_module(module, workspaces, equivalents, progress))
        finally:
            for ws in workspaces:
                ws.close()
    return reports


def _run_module(  # noqa: C901 - the run's bookkeeping: baseline, mutants, timeouts, equivalents
    module: str, workspaces: list[Workspace], equivalents: list[Equivalent], progress: Callable[[str], None]
) -> ModuleReport:
    mutants = mutants_of(module)
    report = ModuleReport(module, mutants)
    for e in equivalents:
        for m in mutants:
            if e.matches(m):
                e.matched.append(m)
                report.equivalent.add(m.number)
    started = time.monotonic()
    # The baseline, in every workspace: the unmutated module (as ast.unparse writes it) passes its tests, from
    # the copy (a probe mutant that breaks the import must fail them), and each worker preloads what they import.
    baseline = 0.0
    for ws in workspaces:
        outcome, seconds, output = ws.run_tests(module, original_source(module), timeout=600, warm=True)
        if outcome != "survived":
            progress(output)
            raise SystemExit(f"{module}: the tests fail on the unmutated module ({outcome}); fix that first")
        probe, _seconds, _output = ws.run_tests(module, "raise ImportError('mutation probe')\n", timeout=600)
        if probe != "killed":
            raise SystemExit(f"{module}: the tests do not import the copy in {ws.root} ({probe})")
        baseline = max(baseline, seconds)
    timeout = 10 * baseline + 20  # generous: the CPU may be shared
    progress(f"{module}: {len(mutants)} mutants, tests {baseline:.1f}s unmutated ")
    free: queue.Queue[Workspace] = queue.Queue()
    for ws in workspaces:
        free.put(ws)

    def one(m: Mutant) -> tuple[Mutant, str]:
        ws = free.get()
        try:
            outcome, _seconds, _output = ws.run_tests(m.module, mutated_source(m), timeout)
        finally:
            free.put(ws)
        return m, outcome

    with ThreadPoolExecutor(max_workers=len(workspaces)) as pool:
        for m, outcome in pool.map(one, mutants):
            if outcome.startswith("error"):
                raise SystemExit(f"{module}: pytest itself failed on mutant {m.number} ({outcome})")
            report.outcomes[m.number] = outcome
            progress({"killed": ".", "survived": "S", "timeout": "T"}[outcome])
    report.seconds = time.monotonic() - started
    progress("\n")
    return report


def print_report(reports: list[ModuleReport], equivalents: list[Equivalent]) -> int:
    failed = False
    print()
    print(f"{'module':<10} {'killed':>7} {'timeout':>7} {'survived':>8} {'equiv.':>6} {'total':>6} {'score':>7}  time")
    for r in reports:
        survived = r.count("survived")
        print(
            f"{r.module:<10} {r.count('killed'):>7} {r.count('timeout'):>7} {survived:>8} {len(r.equivalent):>6} "
            f"{len(r.mutants):>6} {r.score:>7.1%}  {r.seconds:.0f}s"
        )
        failed |= r.score < THRESHOLD
    for r in reports:
        if r.survivors:
            print(f"\nsurvivors in {TARGETS[r.module].path} (killed by no test, not listed as equivalent):")
            for m in r.survivors:
                print(f"  {m.where:<28} [{m.operator}] {m.mutation}\n  {'':<28} in: {m.context}")
    outcome = {(r.module, n): o for r in reports for n, o in r.outcomes.items()}
    ran = {r.module for r in reports}
    for e in equivalents:
        if e.module not in ran:
            continue
        if not e.matched:
            print(f"\nstale equivalent (no such mutant): {e.module}: {e.line!r}: {e.mutation}")
            failed = True
        if {outcome[m.module, m.number] for m in e.matched} - {"survived"}:
            print(f"\nlisted as equivalent but killed (remove it from the list): {e.module}: {e.mutation}")
            failed = True
    print(f"\nthreshold {THRESHOLD:.0%} per module (killed / (total - listed equivalents)): ", end="")
    print("FAILED" if failed else "ok")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--module", action="append", choices=sorted(TARGETS), help="only this module (repeatable)")
    parser.add_argument("--jobs", type=int, default=2, help="mutants run in parallel (default 2)")
    parser.add_argument("--list", action="store_true", help="print the mutants and exit")
    parser.add_argument("--show", metavar="MODULE:N", help="print mutant N of MODULE as a diff and exit")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker()
    modules = args.module or list(TARGETS)
    if args.show:
        import difflib

        module, number = args.show.split(":")
        m = mutants_of(module)[int(number) - 1]
        print(f"{m.where} [{m.operator}] {m.mutation}")
        diff = difflib.unified_diff(
            original_source(module).splitlines(), mutated_source(m).splitlines(), lineterm="", n=2
        )
        print("\n".join(list(diff)[2:]))
        return 0
    if args.list:
        for module in modules:
            for m in mutants_of(module):
                print(f"{m.module}:{m.number:<4} {m.where:<28} [{m.operator}] {m.mutation}")
        return 0
    equivalents = load_equivalents()
    started = time.monotonic()
    reports = run(modules, args.jobs, equivalents, lambda s: print(s, end="", flush=True))
    status = print_report(reports, equivalents)
    print(f"{sum(len(r.mutants) for r in reports)} mutants in {time.monotonic() - started:.0f}s")
    return status


if __name__ == "__main__":
    sys.exit(main())
