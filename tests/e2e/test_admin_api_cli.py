"""``notify api ...`` over HTTP against the local API: export with the ETag, a dry run, an import that a later edit
makes stale (refused), the matrix as a table, deliveries, replay, the SMS report."""

from __future__ import annotations

import pytest

from notify_local import cli
from tests.conftest import make_detail, put_event

pytestmark = pytest.mark.e2e

ORG = "cli-org"


def run(rt, capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    server = rt.api_server or rt.start_api(port=0)
    code = cli.main(["api", "--url", server.url, "--token", rt.token("u-admin"), *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_cli_exports_imports_with_the_etag_and_shows_the_matrix_and_deliveries(notify_runtime, capsys, tmp_path):
    rt = notify_runtime
    rt.apply_settings(
        {
            "org_id": ORG,
            "name": "Cli Org",
            "email_from": "billing@cli.example",
            "publishers": {"sources": ["product"]},
            "contacts": [{"id": "anna", "name": "Anna", "emails": [{"address": "anna@cli.example"}]}],
            "subscriptions": [{"group": "payment.paid_or_reversed", "channels": {"email": ["anna"]}}],
            "members": [{"user_id": "u-admin", "name": "Admin", "roles": ["admin"]}],
        }
    )
    exported = tmp_path / "org.yaml"
    assert run(rt, capsys, "settings", "export", ORG, "--out", str(exported))[0] == 0
    text = exported.read_text()
    assert text.startswith('# etag: "') and "anna@cli.example" in text
    exported.write_text(text.replace("name: Anna", "name: Anna K."))

    code, out, _ = run(rt, capsys, "settings", "import", str(exported), "--dry-run")
    assert code == 0 and "change  contacts/anna" in out
    assert rt.admin.settings.export(ORG)["contacts"][0]["name"] == "Anna"
    code, out, _ = run(rt, capsys, "settings", "import", str(exported))
    assert code == 0 and "imported cli-org: 1 changes" in out
    assert rt.admin.settings.export(ORG)["contacts"][0]["name"] == "Anna K."
    # The file's etag is now stale: importing it again is refused, not merged.
    code, _, err = run(rt, capsys, "settings", "import", str(exported))
    assert code == 2 and "409" in err

    code, out, _ = run(rt, capsys, "matrix", ORG)
    assert code == 0 and "scope org" in out
    [row] = [line for line in out.splitlines() if line.startswith("payment.paid_or_reversed")]
    assert row.split()[1:] == ["anna", "-", "-"]

    put_event(rt, "payment.paid", make_detail("pay-cli", org=ORG))
    rt.wait_idle()
    code, out, _ = run(rt, capsys, "deliveries", ORG, "--channel", "email", "--all")
    assert code == 0
    [line] = [x for x in out.splitlines() if "anna@cli.example" in x]
    assert "sent" in line and "payment.paid" in line
    delivery = line.split()[-1]
    code, out, _ = run(rt, capsys, "replay", ORG, "--delivery", delivery)
    assert code == 0 and "status_sent" in out  # sent: never sent again
    code, out, _ = run(rt, capsys, "report", "sms", ORG, "--from", "2020-01-01", "--to", "2099-12-31")
    assert code == 0 and "\ncreated_at,sent_at,delivery_id" in "\n" + out  # (the in-process handler prints EMF too)
    code, _, err = run(rt, capsys, "matrix", "someone-elses-org")
    assert code == 2 and "404" in err


def test_the_cli_erases_rotates_pings_and_tests_a_connection(notify_runtime, capsys):
    rt = notify_runtime
    receiver = rt.receiver
    rt.apply_settings(
        {
            "org_id": ORG,
            "name": "Cli Org",
            "email_from": "billing@cli.example",
            "contacts": [{"id": "olga", "name": "Olga", "emails": [{"address": "olga@cli.example"}]}],
            "webhook_endpoints": [{"id": "erp", "url": f"{receiver.url}/hooks/cli-erp"}],
            "slack": {"enabled": True, "webhook_url": f"{receiver.url}/slack/{ORG}"},
            "members": [{"user_id": "u-admin", "name": "Admin", "roles": ["admin"]}],
        }
    )
    code, out, _ = run(rt, capsys, "erase", ORG, "--email", "olga@cli.example")
    assert code == 0 and "contacts" in out and "suppressions_added" in out
    code, out, _ = run(rt, capsys, "webhook", "rotate", ORG, "erp", "--grace-hours", "1")
    assert code == 0 and "new secret: whsec_" in out
    code, out, _ = run(rt, capsys, "webhook", "ping", ORG, "erp")
    assert code == 0 and "sent" in out and "200" in out
    receiver.respond(f"/slack/{ORG}", 500)
    code, out, _ = run(rt, capsys, "connection-test", ORG, "slack")
    assert code == 1 and "failed" in out and "500" in out
    code, _, err = run(rt, capsys, "webhook", "rotate", ORG, "erp")
    assert code == 2 and "409" in err and "still signs" in err
