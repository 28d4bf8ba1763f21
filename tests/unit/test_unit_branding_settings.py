"""The settings document's ``branding`` and ``sms`` sections: validated on apply, carried to the senders."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from notify_core.domain.settings_document import SettingsDocument, from_directory, to_directory
from tests.unit.unit_factories import product_event

pytestmark = pytest.mark.unit

BRANDING = {
    "display_name": "Hutki Water — billing",
    "logo_url": "https://cdn.hutki.example/logo.png",
    "color": "#0A7CFF",
    "postal_address": "ul. Lenina 1, 220030 Minsk, Belarus",
    "reply_to": "Support@Hutki.Example",
    "preferences_url": "https://hutki.example/account/notifications",
}


def doc(**extra: object) -> SettingsDocument:
    return SettingsDocument.model_validate({"org_id": "hutki", "name": "Hutki Water", **extra})


def test_branding_is_validated_and_normalised():
    b = doc(branding=BRANDING).branding
    assert b is not None
    assert b.color == "#0a7cff"
    assert b.reply_to == "support@hutki.example"


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("logo_url", "http://cdn.hutki.example/logo.png", "logo_url"),
        ("logo_url", "javascript:alert(1)", "logo_url"),
        ("logo_url", "https://", "logo_url"),
        ("color", "blue", "color"),
        ("color", "#12345", "color"),
        ("color", "#12345g", "color"),
        ("reply_to", "not an address", "reply_to"),
        ("display_name", 'Evil" <attacker@x.example>', "display_name"),
        ("display_name", "Two\r\nlines", "display_name"),
        ("preferences_url", "ftp://hutki.example/prefs", "preferences_url"),
        ("unknown", "x", "unknown"),
    ],
)
def test_bad_branding_is_refused_naming_the_field(field, value, says):
    with pytest.raises(ValidationError, match=says):
        doc(branding={**BRANDING, field: value})


def test_branding_and_latin_sms_survive_the_round_trip_through_the_directory():
    d = doc(branding=BRANDING, sms={"transliterate": True})
    directory = to_directory(d, lambda org, ep: f"/x/{org}/{ep}")
    assert directory.profile.sms_latin is True
    assert directory.profile.branding is not None and directory.profile.branding.logo_url == BRANDING["logo_url"]
    back = from_directory(directory)
    assert back["sms"] == {"transliterate": True}
    assert back["branding"]["color"] == "#0a7cff"
    assert SettingsDocument.model_validate(back).branding == d.branding


def test_queue_messages_carry_latin_for_sms_and_branding_for_email_only():
    from notify_core.domain.org_settings import OrgSettings
    from notify_core.domain.routing import Delivery, queue_message

    directory = to_directory(doc(branding=BRANDING, sms={"transliterate": True}), lambda org, ep: "")
    settings = OrgSettings(org_id="hutki", profile=directory.profile)
    event = product_event("payment.paid")
    sms = queue_message(event, Delivery("d1", "sms", "+375291234567", "en", reasons=["x"]), settings)
    email = queue_message(event, Delivery("d2", "email", "a@b.example", "en", reasons=["x"]), settings)
    assert sms["org"].get("sms_latin") is True and "branding" not in sms["org"]
    assert email["org"]["branding"]["display_name"] == BRANDING["display_name"]
    assert "sms_latin" not in email["org"]
