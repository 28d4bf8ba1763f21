"""An org's own templates in the settings table (moto): stored with their index in one transaction, read by the
router in the batch it already makes, kept when a settings document is applied, isolated per org."""

from __future__ import annotations

import pytest

from notify_core.adapters.dynamodb.settings_table import SettingsTable
from notify_core.domain.template_overrides import OrgTemplate
from notify_local.names import physical_name
from tests.conftest import hutki_settings

pytestmark = pytest.mark.integration


def template(org: str, channel: str = "email", locale: str = "ru", source: str = "S", version: int = 1) -> OrgTemplate:
    return OrgTemplate(org, "payment.paid", channel, locale, source, version, "2026-11-30T10:00:00+00:00", "u-admin")


def test_templates_are_stored_indexed_kept_by_documents_and_isolated(notify_runtime):
    rt = notify_runtime
    rt.apply_settings(hutki_settings("https://erp.hutki.example"))
    table = SettingsTable(physical_name("settings"))
    assert table.put_template(template("hutki"), replaces=0)
    assert table.put_template(template("hutki", "sms"), replaces=0)
    assert not table.put_template(template("hutki", source="again"), replaces=0)  # exists: a stale create
    assert not table.put_template(template("hutki", source="X", version=3), replaces=2)  # not version 2
    assert table.put_template(template("hutki", source="S2", version=2), replaces=1)

    # The router's read of the org (one BatchGetItem with the profile) names them; another org's names none.
    loaded = table.load_for_event("hutki", "payment.paid_or_reversed")
    assert loaded.template_overrides == {"payment.paid/email/ru", "payment.paid/sms/ru"}
    assert table.load_for_event("other-org", "payment.paid_or_reversed").template_overrides == frozenset()
    # A sender's batched read: each key names its org, so another org's key finds nothing of hutki's.
    found = table.templates_for([("hutki", "payment.paid/email/ru"), ("other-org", "payment.paid/email/ru")])
    assert [(k, t.source, t.version) for k, t in found.items()] == [(("hutki", "payment.paid/email/ru"), "S2", 2)]

    # Applying the org's settings document again rewrites its directory, never its templates.
    rt.apply_settings(hutki_settings("https://erp.hutki.example"))
    assert [t.key for t in table.templates("hutki")] == ["payment.paid/email/ru", "payment.paid/sms/ru"]
    assert table.load_for_event("hutki", "payment.paid_or_reversed").template_overrides == loaded.template_overrides
    assert "templates" not in rt.admin.settings.export("hutki")  # nor are they part of the document

    # Deleted: gone from the index in the same transaction; a second delete finds nothing.
    assert table.delete_template("hutki", "payment.paid/email/ru")
    assert not table.delete_template("hutki", "payment.paid/email/ru")
    assert table.load_for_event("hutki", "g").template_overrides == {"payment.paid/sms/ru"}
    assert table.template("hutki", "payment.paid/email/ru") is None
