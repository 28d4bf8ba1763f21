"""The committed JSON schemas (schemas/): current for every event type, and never broken without a version bump.

scripts/catalog_schemas.py generates them; these tests read its verdicts. A failure says what to do:
``run `make schemas``` for a stale or missing file, or bump the event type's version when a change would
refuse data producers could send before (schemas/README.md).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from notify_core.domain import catalog
from notify_core.domain.catalog import EventType, _Data

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "scripts" / "catalog_schemas.py"
SCHEMAS_DIR = REPO_ROOT / "schemas"
BUMP_ADVICE = (
    "bump the event type's version (and keep the old schema as toy.happened.v1.json) or make the change additive"
)


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("catalog_schemas", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the script is being loaded
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def verdicts(script):
    return {v.name: v for v in script.check(catalog.CATALOG, SCHEMAS_DIR)}


# --- the repository's committed schemas ------------------------------------------------------------------


@pytest.mark.parametrize("name", list(catalog.CATALOG))
def test_the_committed_schema_of_each_event_type_is_current(verdicts, name):
    v = verdicts[name]
    assert v.status == "ok", v.message


def test_the_committed_envelope_schema_is_current(verdicts):
    assert verdicts["envelope"].status == "ok", verdicts["envelope"].message


def test_every_committed_schema_belongs_to_an_event_type_in_the_catalog(verdicts):
    assert [v.message for v in verdicts.values() if v.status == "removed"] == []


def test_an_event_type_removed_from_the_catalog_fails_while_its_schema_is_committed(script):
    without = {name: e for name, e in catalog.CATALOG.items() if name != "payment.paid"}
    [gone] = [v for v in script.check(without, SCHEMAS_DIR) if v.status == "removed"]
    assert (gone.name, gone.status) == ("payment.paid", "removed")
    assert "no longer in the catalog" in gone.message and "producers may still send it" in gone.message


def test_committed_files_are_deterministic_json(script):
    for path in sorted(SCHEMAS_DIR.rglob("*.json")):
        text = path.read_text(encoding="utf-8")
        assert text == script.render(json.loads(text)), path  # sorted keys, indent 2, one trailing newline
    paid = json.loads((SCHEMAS_DIR / "events" / "payment.paid.json").read_text(encoding="utf-8"))
    assert (paid["x-event-type"], paid["x-version"]) == ("payment.paid", 1)
    assert paid["required"] == ["amount", "currency", "payment_id"]


# --- the script on a toy catalog in a temporary directory ---------------------------------------------------


class ToyV1(_Data):
    ref: str
    note: str | None = None


class ToyAdditive(_Data):  # a new optional fact
    ref: str
    note: str | None = None
    channel: str | None = None


class ToyBreaking(_Data):  # note now required and never null
    ref: str
    note: str


def toy(model: type[_Data], version: int = 1) -> dict[str, EventType]:
    e = EventType(
        "toy.happened", "A toy happened.", "toy.happened", frozenset({"email"}), model, {"ref": "r"}, version=version
    )
    return {e.name: e}


@pytest.fixture
def committed(script, tmp_path, capsys) -> Path:
    """A schemas directory holding version 1 of the toy event type."""
    assert script.write(toy(ToyV1), tmp_path) == 0
    capsys.readouterr()
    return tmp_path


def statuses(script, events: dict[str, EventType], schemas_dir: Path) -> dict[str, str]:
    return {v.name: v.status for v in script.check(events, schemas_dir)}


def test_write_creates_every_file_and_then_the_check_is_clean(script, committed):
    assert sorted(p.relative_to(committed).as_posix() for p in committed.rglob("*.json")) == [
        "envelope.json",
        "events/toy.happened.json",
    ]
    schema = json.loads((committed / "events" / "toy.happened.json").read_text(encoding="utf-8"))
    assert (schema["x-event-type"], schema["x-version"], schema["required"]) == ("toy.happened", 1, ["ref"])
    assert statuses(script, toy(ToyV1), committed) == {"toy.happened": "ok", "envelope": "ok"}


def test_a_missing_schema_fails_with_run_make_schemas(script, tmp_path):
    [v] = [v for v in script.check(toy(ToyV1), tmp_path) if v.name == "toy.happened"]
    assert v.status == "missing"
    assert "no committed schema: run `make schemas`" in v.message


def test_a_breaking_change_of_the_same_version_fails_and_write_refuses_it(script, committed, capsys):
    path = committed / "events" / "toy.happened.json"
    before = path.read_bytes()
    [v] = [v for v in script.check(toy(ToyBreaking), committed) if v.name == "toy.happened"]
    assert v.status == "breaking"
    assert "$.note: property newly required" in v.message
    assert "$.note: type narrowed from null|string to string: null no longer accepted" in v.message
    assert BUMP_ADVICE in v.message

    assert script.write(toy(ToyBreaking), committed) == 2
    err = capsys.readouterr().err
    assert "$.note: property newly required" in err and "refused: nothing written" in err
    assert path.read_bytes() == before
    assert not (committed / "events" / "toy.happened.v1.json").exists()


def test_a_compatible_change_is_only_stale_and_write_replaces_the_file(script, committed):
    [v] = [v for v in script.check(toy(ToyAdditive), committed) if v.name == "toy.happened"]
    assert (v.status, v.findings) == ("stale", ())
    assert "stale schema: run `make schemas`" in v.message

    assert script.write(toy(ToyAdditive), committed) == 0
    schema = json.loads((committed / "events" / "toy.happened.json").read_text(encoding="utf-8"))
    assert "channel" in schema["properties"] and schema["x-version"] == 1
    assert sorted(p.name for p in (committed / "events").iterdir()) == ["toy.happened.json"]
    assert statuses(script, toy(ToyAdditive), committed)["toy.happened"] == "ok"


def test_a_breaking_change_with_a_bumped_version_writes_it_and_keeps_the_old_schema(script, committed):
    old_text = (committed / "events" / "toy.happened.json").read_text(encoding="utf-8")
    [v] = [v for v in script.check(toy(ToyBreaking, version=2), committed) if v.name == "toy.happened"]
    assert v.status == "stale" and "(version 1 -> 2)" in v.message and v.findings

    assert script.write(toy(ToyBreaking, version=2), committed) == 0
    new = json.loads((committed / "events" / "toy.happened.json").read_text(encoding="utf-8"))
    assert (new["x-version"], new["required"]) == (2, ["ref", "note"])
    assert (committed / "events" / "toy.happened.v1.json").read_text(encoding="utf-8") == old_text
    # the kept version is an archive, not an event type that left the catalog
    assert statuses(script, toy(ToyBreaking, version=2), committed) == {"toy.happened": "ok", "envelope": "ok"}


def test_write_will_not_overwrite_a_different_kept_version(script, committed, capsys):
    archive = committed / "events" / "toy.happened.v1.json"
    archive.write_text("{}\n", encoding="utf-8")
    assert script.write(toy(ToyBreaking, version=2), committed) == 2
    assert "toy.happened.v1.json already exists" in capsys.readouterr().err
    assert archive.read_text(encoding="utf-8") == "{}\n"
    assert json.loads((committed / "events" / "toy.happened.json").read_text(encoding="utf-8"))["x-version"] == 1


def test_a_version_going_down_is_refused(script, committed, capsys):
    assert script.write(toy(ToyBreaking, version=2), committed) == 0
    assert statuses(script, toy(ToyV1, version=1), committed)["toy.happened"] == "version_lowered"
    assert script.write(toy(ToyV1, version=1), committed) == 2
    assert "version went down from 2 to 1" in capsys.readouterr().err


def test_removing_an_event_type_fails_the_check_and_write_refuses(script, committed, capsys):
    assert statuses(script, {}, committed) == {"envelope": "ok", "toy.happened": "removed"}
    assert script.write({}, committed) == 2
    assert "toy.happened is no longer in the catalog" in capsys.readouterr().err
    assert (committed / "events" / "toy.happened.json").exists()


def test_main_exit_codes_on_schemas_written_from_todays_catalog(script, tmp_path, capsys):
    copy = tmp_path / "schemas"
    assert script.main(["--schemas-dir", str(copy)]) == 1  # nothing there yet
    assert script.main(["--write", "--schemas-dir", str(copy)]) == 0
    assert script.main(["--schemas-dir", str(copy)]) == 0
    paid = copy / "events" / "payment.paid.json"
    written_bytes = paid.read_bytes()

    # A committed baseline looser than today's catalog: today's currency pattern reads as a new narrowing.
    loose = json.loads(paid.read_text(encoding="utf-8"))
    del loose["properties"]["currency"]["pattern"]
    paid.write_text(script.render(loose), encoding="utf-8")
    assert script.main(["--schemas-dir", str(copy)]) == 2
    assert script.main(["--write", "--schemas-dir", str(copy)]) == 2
    assert "$.currency: pattern '^[A-Z]{3}$' added" in capsys.readouterr().err

    paid.write_bytes(written_bytes)
    renamed = {**json.loads(paid.read_text(encoding="utf-8")), "title": "Old title"}  # stale, not breaking
    paid.write_text(script.render(renamed), encoding="utf-8")
    (copy / "events" / "payment.failed.json").unlink()
    assert script.main(["--schemas-dir", str(copy)]) == 1
    assert script.main(["--write", "--schemas-dir", str(copy)]) == 0
    assert script.main(["--schemas-dir", str(copy)]) == 0
    assert paid.read_bytes() == written_bytes


def test_a_breaking_change_to_the_envelope_asks_for_an_envelope_version(script, committed):
    path = committed / "envelope.json"
    loose = json.loads(path.read_text(encoding="utf-8"))
    loose["required"].remove("occurred_at")  # a baseline where occurred_at was optional
    path.write_text(script.render(loose), encoding="utf-8")
    [v] = [v for v in script.check(toy(ToyV1), committed) if v.name == "envelope"]
    assert v.status == "breaking"
    assert "$.occurred_at: property newly required" in v.message
    assert (
        "bump ENVELOPE_VERSION in scripts/catalog_schemas.py (and keep the old schema as envelope.v1.json)" in v.message
    )
