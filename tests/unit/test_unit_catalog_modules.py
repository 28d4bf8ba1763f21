"""The catalog package: one module per product, pure, assembled in one order without duplicates."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

from notify_core.domain import catalog
from notify_core.domain.catalog import elorus, hutkigrosh, mobevo, payments, remonline, taxdome

pytestmark = pytest.mark.unit

PACKAGE_DIR = Path(catalog.__file__).parent
# Product teams import the catalog and the schema script runs without AWS: no SDK, no Powertools here.
ALLOWED_THIRD_PARTY = {"pydantic"}


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module)
    return roots


@pytest.mark.parametrize("path", sorted(PACKAGE_DIR.glob("*.py")), ids=lambda p: p.name)
def test_the_catalog_package_imports_only_pydantic_the_stdlib_and_itself(path):
    for module in _imported_roots(path):
        root = module.split(".")[0]
        if root == "notify_core":
            assert module.startswith("notify_core.domain.catalog"), f"{path.name} imports {module}"
        else:
            assert root in sys.stdlib_module_names or root in ALLOWED_THIRD_PARTY, f"{path.name} imports {module}"


@pytest.mark.parametrize(
    ("module", "sections"),
    [
        (elorus, {"1"}),
        (remonline, {"2"}),
        (hutkigrosh, {"3"}),
        (mobevo, {"4"}),
        (taxdome, {"5"}),
        (payments, {"1", "3"}),
    ],
    ids=["elorus", "remonline", "hutkigrosh", "mobevo", "taxdome", "payments"],
)
def test_each_module_holds_the_event_types_of_its_product(module, sections):
    assert module.EVENT_TYPES
    for e in module.EVENT_TYPES:
        named = {m.group(1) for s in e.seeds if (m := re.match(r"products\.md §(\d)", s))}
        # A product module's types name that product first; the shared payments module serves §1 and §3.
        assert named <= sections and re.match(r"products\.md §(\d)", e.seeds[0]).group(1) in sections, (e.name, e.seeds)
        assert catalog.CATALOG[e.name] is e


def test_the_catalog_is_the_modules_event_types_in_module_order():
    expected = [e.name for m in catalog.PRODUCT_MODULES for e in m.EVENT_TYPES]
    assert list(catalog.CATALOG) == expected
    assert expected[:3] == ["payment.paid", "payment.reversed", "payment.failed"]  # the reference's order


def test_an_event_type_defined_in_two_modules_is_refused(monkeypatch):
    monkeypatch.setattr(catalog, "PRODUCT_MODULES", (payments, elorus, payments))
    with pytest.raises(ValueError, match=r"payment\.paid is defined twice"):
        catalog._assemble()


def test_an_event_type_starts_at_version_1_and_a_version_below_1_is_refused():
    assert catalog.EventType("x.y", "X.", "x.y", frozenset({"email"}), catalog._Data, {}).version == 1
    with pytest.raises(ValueError, match="version must be 1 or more"):
        catalog.EventType("x.y", "X.", "x.y", frozenset({"email"}), catalog._Data, {}, version=0)
