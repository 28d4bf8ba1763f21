"""scripts/mutate.py (``make mutate``) is too slow for ``make test``; these check, in a second, that its mutants
are what it says and that its list of equivalent mutants still names mutants of the code as it is."""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "mutate.py"


@pytest.fixture(scope="module")
def mutate():
    spec = importlib.util.spec_from_file_location("mutate_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


def test_regex_mutants_drop_anchors_move_bounds_and_thin_classes_and_groups(mutate):
    mutated = dict(mutate.regex_mutants(r"^(ab|cd)[x-z_]{2,3}$"))
    assert mutated == {
        "drop ^": r"(ab|cd)[x-z_]{2,3}$",
        "drop $": r"^(ab|cd)[x-z_]{2,3}",
        "@1: group without 'ab'": r"^(cd)[x-z_]{2,3}$",
        "@1: group without 'cd'": r"^(ab)[x-z_]{2,3}$",
        "@8: [x-z_] without 'x-z'": r"^(ab|cd)[_]{2,3}$",
        "@8: [x-z_] without '_'": r"^(ab|cd)[x-z]{2,3}$",
        "@14: {2,3} → {1,3}": r"^(ab|cd)[x-z_]{1,3}$",
        "@14: {2,3} → {3,3}": r"^(ab|cd)[x-z_]{3,3}$",
        "@14: {2,3} → {2,2}": r"^(ab|cd)[x-z_]{2,2}$",
        "@14: {2,3} → {2,4}": r"^(ab|cd)[x-z_]{2,4}$",
    }
    assert dict(mutate.regex_mutants(r"-?\d+")) == {"@1: drop ?": r"-\d+", "@4: + → *": r"-?\d*"}
    for pattern in mutated.values():
        re.compile(pattern)


def test_every_mutant_of_a_module_is_one_change_that_compiles(mutate):
    original = mutate.original_source("signing")
    mutants = mutate.mutants_of("signing")
    assert [m.number for m in mutants] == list(range(1, len(mutants) + 1))
    sources = {mutate.mutated_source(m) for m in mutants}
    assert len(sources) == len(mutants) and original not in sources
    for source in sources:
        ast.parse(source)


@pytest.fixture(scope="module")
def all_mutants(mutate):
    return [m for module in mutate.TARGETS for m in mutate.mutants_of(module)]


def test_validators_and_field_limits_are_mutated(all_mutants):
    operators = {(m.operator, m.mutation) for m in all_mutants if m.module == "envelope"}
    assert ("limit", "max_length=200 → max_length=201") in operators
    assert ("regex", 'pattern r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$" @6: {2,3} → {2,4}') in operators
    assert any(op == "raise" and "content_type must be a media type" in m for op, m in operators)


def test_each_listed_equivalent_names_exactly_one_mutant_of_the_current_code(mutate, all_mutants):
    for e in mutate.load_equivalents():
        assert e.module in mutate.TARGETS
        assert e.why.strip()
        matched = [m.number for m in all_mutants if e.matches(m)]
        assert len(matched) == 1, f"{e.module}: {e.line!r}: {e.mutation!r} matches {matched}: update the list"


def test_the_run_fails_on_a_listed_equivalent_that_a_test_kills_and_only_then(mutate, capsys):
    first, second = mutate.mutants_of("signing")[:2]
    other = mutate.mutants_of("addresses")[0]  # the same number in another module: outcomes must not mix

    def reports(listed: int):
        signing = mutate.ModuleReport("signing", [first, second], outcomes={1: "survived", 2: "killed"})
        signing.equivalent = {listed}
        return [signing, mutate.ModuleReport("addresses", [other], outcomes={1: "killed"})]

    survivor = mutate.Equivalent("signing", first.context, first.mutation, "why", matched=[first])
    assert mutate.print_report(reports(1), [survivor]) == 0
    killed = mutate.Equivalent("signing", second.context, second.mutation, "why", matched=[second])
    capsys.readouterr()
    assert mutate.print_report(reports(2), [killed]) == 1
    assert "listed as equivalent but killed" in capsys.readouterr().out
