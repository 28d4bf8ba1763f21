"""A product team's view: install the platform's wheel with the ``local`` extra into a fresh virtualenv and run a
tiny test of their own against the ``notify_runtime`` fixture, through the documented interfaces only."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
UV = ROOT / ".uv" / "bin" / "uv"

PRODUCT_TEST = textwrap.dedent(
    """
    import json
    from datetime import datetime, timezone

    import boto3


    def test_a_paid_invoice_emails_our_accountant(notify_runtime):
        notify_runtime.apply_settings(
            {
                "org_id": "acme",
                "name": "Acme",
                "email_from": "billing@acme.example",
                "contacts": [{"id": "anna", "name": "Anna", "emails": [{"address": "anna@acme.example"}]}],
                "subscriptions": [{"group": "payment.paid_or_reversed", "channels": {"email": ["anna"]}}],
            }
        )
        events = boto3.client("events", endpoint_url=notify_runtime.endpoint_url, region_name=notify_runtime.region)
        detail = json.dumps(
            {
                "org_id": "acme",
                "event_id": "pay-1",
                "occurred_at": datetime.now(timezone.utc).isoformat(),
                "subject": {"type": "payment", "id": "pay-1"},
                "data": {"amount": "120.50", "currency": "EUR", "payment_id": "pay-1"},
            }
        )
        events.put_events(
            Entries=[{"Source": "billing", "DetailType": "payment.paid", "Detail": detail, "EventBusName": "notify"}]
        )
        notify_runtime.wait_idle()
        [email] = notify_runtime.outbox().emails_to("anna@acme.example")
        assert email.subject == "Payment received: 120.50 EUR"
        assert email.sender == "billing@acme.example"
    """
)


def run(*args: object, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, check=False, timeout=600)


def test_the_wheel_with_the_local_extra_gives_a_product_suite_the_notify_runtime_fixture(tmp_path: Path) -> None:
    dist, venv = tmp_path / "dist", tmp_path / "venv"
    built = run(UV, "build", "--wheel", "--out-dir", dist)
    assert built.returncode == 0, built.stderr[-2000:]
    [wheel] = dist.glob("notify_platform-*.whl")
    made = run(UV, "venv", "--python", sys.executable, venv)
    assert made.returncode == 0, made.stderr[-2000:]
    python = venv / "bin" / "python"
    installed = run(UV, "pip", "install", "--python", python, f"{wheel}[local]")
    assert installed.returncode == 0, installed.stderr[-2000:]

    product = tmp_path / "product"
    product.mkdir()
    (product / "test_notifications.py").write_text(PRODUCT_TEST)
    # Outside the repository: the code under test is the installed wheel's, templates included.
    result = run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", product, cwd=product)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout
    listed = run(python, "-c", "import notify_core.config as c; print(c._repo_templates_dir())", cwd=product)
    assert "site-packages/notify_core/templates" in listed.stdout
