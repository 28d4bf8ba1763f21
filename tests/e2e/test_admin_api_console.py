"""The console page in a real headless browser (Debian's chromium, driven by Playwright), its Content-Security-Policy
on as served: sign in with a token, pick an org, click through the delivery log (filters, a delivery's attempts),
the quarantine, the inbox (mark read) and the subscription matrix, against the local API and the real handler."""

from __future__ import annotations

import re
import shutil

import pytest

from tests.conftest import make_detail, put_event

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ORG = "console-org"


def test_the_console_shows_deliveries_attempts_quarantine_inbox_and_matrix(notify_runtime):
    from playwright.sync_api import expect, sync_playwright

    rt = notify_runtime
    rt.apply_settings(
        {
            "org_id": ORG,
            "name": "Console Org",
            "email_from": "billing@console.example",
            "publishers": {"sources": ["product"]},
            "contacts": [{"id": "olga", "name": "Olga", "emails": [{"address": "olga@console.example"}]}],
            "webhook_endpoints": [{"id": "erp", "url": f"{rt.receiver.url}/hooks/console-erp"}],
            "subscriptions": [
                {"group": "payment.paid_or_reversed", "channels": {"email": ["olga"], "webhook": ["erp"]}}
            ],
            "members": [{"user_id": "u-anna", "name": "Anna", "roles": ["admin"]}],
        }
    )
    rt.receiver.respond("/hooks/console-erp", 422)  # refused for good: failed after one attempt
    put_event(rt, "payment.paid", make_detail("pay-console", org=ORG, data=None))
    put_event(rt, "payment.paid", make_detail("pay-console-bad", org=ORG), source="intruder")  # quarantined
    rt.wait_idle()
    server = rt.api_server or rt.start_api(port=0)
    token = rt.token("u-anna")
    from notify_local.api_server import ApiClient

    assert ApiClient(server.url, None).get("/local/outbox").status == 401  # every org's: a token of the pool only

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(f"{server.url}/console")
            page.fill("#token", token)
            page.fill("#org", ORG)
            page.click("#signin")
            page.wait_for_selector("#deliveries-table tr:nth-child(3)")
            assert page.text_content("#who") == "signed in as u-anna"
            text = page.text_content("#deliveries-table") or ""
            assert "olga@console.example" in text and "hooks/console-erp" in text and "http_422" in text

            page.select_option("#f-status", "failed")
            page.click("#f-apply")
            expect(page.locator("#deliveries-table tr")).to_have_count(2)
            page.click("#deliveries-table tr:nth-child(2)")
            page.wait_for_selector("#attempts-table tr:nth-child(2)")
            attempts = page.text_content("#attempts-table") or ""
            assert "failed" in attempts and "422" in attempts

            page.click("nav button[data-tab=quarantine]")
            page.wait_for_selector("#quarantine-table tr:nth-child(2)")
            assert "source_not_allowed" in (page.text_content("#quarantine-table") or "")

            page.click("nav button[data-tab=inbox]")
            page.wait_for_selector("#inbox-table tr.unread")
            assert "Payment received" in (page.text_content("#inbox-table") or "")
            page.click("#inbox-table tr.unread")
            expect(page.locator("#inbox-table tr.unread")).to_have_count(0)
            assert rt.admin.inbox.unread_count(ORG, "u-anna") == 0

            page.click("nav button[data-tab=matrix]")
            page.wait_for_selector("#matrix-tables table")
            row = page.locator("#matrix-tables tr", has_text="payment.paid_or_reversed").first.text_content() or ""
            assert "olga" in row and "erp" in row

            # The local runtime's outbox: the email rendered in a sandboxed frame, the webhook call.
            page.click("#outbox-tab")
            frame = page.locator("#outbox-emails iframe").first
            assert frame.get_attribute("sandbox") == ""
            expect(page.frame_locator("#outbox-emails iframe").first.locator("body")).to_contain_text("120.50")
            assert "/hooks/console-erp" in (page.text_content("#outbox-webhooks") or "")

            # A wrong org is said on the page, and nothing of another org shows.
            page.click("nav button[data-tab=deliveries]")
            page.fill("#org", "someone-else")
            page.click("#signin")
            expect(page.locator("#error")).to_have_text(re.compile(r"^404: "))
        finally:
            browser.close()
