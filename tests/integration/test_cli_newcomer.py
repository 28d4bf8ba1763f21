"""The ``notify`` command as a newcomer meets it: one line per problem on stderr, exit code 2, no traceback
unless ``--debug``; ``settings validate`` offline; addresses checked on apply; the events' routing records; the
user-level email switch.

Before: a YAML syntax error, a missing file, an unreachable runtime or a missing region each printed a 30-line
traceback; validation errors carried pydantic's URLs and input dumps; there was no offline validation.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from notify_local import cli
from tests.conftest import make_detail

pytestmark = pytest.mark.integration

VALID = """\
org_id: acme
name: Acme
email_from: billing@acme.example
contacts:
  - id: anna
    name: Anna
    emails: [{address: anna@acme.example}]
subscriptions:
  - group: payment.paid_or_reversed
    channels: {email: [anna]}
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _doc(tmp_path: Path, text: str) -> str:
    path = tmp_path / "org.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_validate_is_offline_and_says_what_the_document_holds(capsys, tmp_path):
    code, out, err = run(capsys, "settings", "validate", _doc(tmp_path, VALID))
    assert code == 0 and err == ""
    assert "a valid settings document for org acme (1 contacts, 0 members, 0 clients" in out
    assert "names no publishers" in out


def test_a_missing_file_is_one_line(capsys, tmp_path):
    code, _, err = run(capsys, "settings", "validate", str(tmp_path / "nope.yaml"))
    assert code == 2 and _one_line(err) == f"notify: {tmp_path / 'nope.yaml'}: no such file"


def test_yaml_that_does_not_parse_is_one_line_with_where(capsys, tmp_path):
    path = _doc(tmp_path, "org_id: acme\nname: [Acme\ncontacts: []\n")
    code, _, err = run(capsys, "settings", "validate", path)
    assert code == 2 and _one_line(err).startswith(f"notify: {path}: not valid YAML: line ")


def test_each_validation_problem_is_a_line_naming_the_field_without_pydantic_noise(capsys, tmp_path):
    text = VALID.replace("anna@acme.example", "anna@@acme").replace("name: Acme\n", "name: Acme\nlocale: Klingon\n")
    path = _doc(tmp_path, text)
    code, _, err = run(capsys, "settings", "validate", path)
    lines = err.strip().splitlines()
    assert code == 2 and "Traceback" not in err
    assert f"notify: {path}: locale: String should match pattern '^[a-z]{{2,3}}(-[A-Za-z0-9]{{2,8}})*$'" in lines
    assert "errors.pydantic.dev" not in err and "input_value" not in err


def test_an_invalid_address_is_refused_on_apply_naming_the_field(capsys, tmp_path, notify_runtime):
    path = _doc(tmp_path, VALID.replace("anna@acme.example", "anna@@acme"))
    code, _, err = run(capsys, "settings", "apply", path, "--local", notify_runtime.endpoint_url)
    assert code == 2
    assert _one_line(err).startswith(f"notify: {path}: contacts[0].emails[0].address 'anna@@acme' is not an email")
    assert notify_runtime.admin.settings.export("acme")["contacts"] == []  # nothing applied


def test_an_unreachable_runtime_is_one_line(capsys, tmp_path, monkeypatch):
    import os

    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    for name in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        monkeypatch.setenv(name, os.environ.get(name, ""))  # --local points boto3 at its URL: restored after
    code, _, err = run(capsys, "settings", "apply", _doc(tmp_path, VALID), "--local", "http://127.0.0.1:9")
    assert code == 2
    assert _one_line(err) == "notify: cannot reach http://127.0.0.1:9/: is the local runtime running (notify local up)?"


def test_a_missing_region_is_one_line(capsys, monkeypatch, tmp_path):
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    code, _, err = run(capsys, "users", "email-off", "u-1", "--users-table", "Notify-users")
    assert code == 2 and _one_line(err).startswith("notify: no AWS region: set AWS_REGION")


def test_debug_shows_the_traceback(capsys, tmp_path):
    with pytest.raises(cli.CliError):
        cli.main(["--debug", "settings", "validate", str(tmp_path / "nope.yaml")])
    with pytest.raises(cli.CliError):
        cli.main(["settings", "validate", str(tmp_path / "nope.yaml"), "--debug"])


def test_help_reads_well(capsys):
    with pytest.raises(SystemExit):
        cli.main(["settings", "--help"])
    out = capsys.readouterr().out
    assert "validate" in out and "check a settings document without applying it (offline)" in out


def test_the_user_level_email_switch(capsys, notify_runtime):
    code, out, _ = run(capsys, "users", "email-off", "u-anna", "--local", notify_runtime.endpoint_url)
    assert code == 0 and out.strip() == "email off for user u-anna in every org"
    assert notify_runtime.admin.users.email_off(["u-anna"]) == {"u-anna"}
    assert run(capsys, "users", "email-on", "u-anna", "--local", notify_runtime.endpoint_url)[0] == 0
    assert notify_runtime.admin.users.email_off(["u-anna"]) == set()


def test_events_show_what_happened_to_an_event(capsys, notify_runtime):
    rt = notify_runtime
    rt.apply_settings({"org_id": "acme", "name": "Acme"})
    rt.publish("payment.paid", make_detail("pay-nobody", org="acme"))
    rt.publish("payment.paid", {**make_detail("pay-bad", org="acme"), "data": {"amount": "lots"}})
    rt.wait_idle()
    code, out, _ = run(capsys, "events", "show", "acme", "pay-nobody", "--local", rt.endpoint_url)
    assert code == 0 and "pay-nobody  payment.paid  routed:" in out and "no_recipients: nobody in org" in out
    code, out, _ = run(capsys, "events", "list", "acme", "--local", rt.endpoint_url)
    assert "pay-bad  payment.paid  quarantined: invalid_data" in out
