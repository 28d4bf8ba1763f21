"""The references resolve: the repository carries its own account of the five products (docs/products.md), and
every ``products.md §n`` the code, catalog, README and templates cite names one of its sections.

Before: about a hundred ``SEEDS §n`` references pointed at a document outside the repository.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from notify_core.domain import catalog

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "products.md"


def _tracked_text_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [ROOT / f for f in listed.split() if f.endswith((".py", ".md", ".yaml", ".j2", ".json"))]


def test_the_account_has_one_section_per_product():
    sections = re.findall(r"^## §(\d) (.+)$", DOC.read_text(), flags=re.M)
    assert [n for n, _ in sections] == ["1", "2", "3", "4", "5"]
    names = " ".join(title for _, title in sections)
    for product in ("Elorus", "RemOnline", "Hutkigrosh", "Mobevo", "TaxDome"):
        assert product in names


def test_every_reference_names_a_section_that_exists():
    existing = set(re.findall(r"^## §(\d)", DOC.read_text(), flags=re.M))
    cited = {
        (path.relative_to(ROOT).as_posix(), n)
        for path in _tracked_text_files()
        if path.exists()
        for n in re.findall(r"products\.md §(\d+)", path.read_text(encoding="utf-8", errors="replace"))
    }
    assert len(cited) > 20
    assert {(f, n) for f, n in cited if n not in existing} == set()


def test_nothing_cites_a_document_outside_the_repository():
    offenders = [
        path.relative_to(ROOT).as_posix()
        for path in _tracked_text_files()
        if path.exists() and path.name != "test_unit_products_doc.py" and "SEEDS" in path.read_text(errors="replace")
    ]
    assert offenders == []


def test_every_event_type_cites_the_products_it_serves():
    for e in catalog.CATALOG.values():
        assert e.seeds and all(s.startswith("products.md §") for s in e.seeds), e.name
