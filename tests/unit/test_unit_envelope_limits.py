"""The limits of the event contract, at their edges (found untested by ``make mutate``): what the identifier,
locale, recipient and attachment fields accept and refuse, and what a refusal says."""

from __future__ import annotations

import pytest
from unit_factories import ORG_ID, contact, detail, envelope, settings, subscription

from notify_core.domain import catalog, routing
from notify_core.domain.envelope import ProductEvent, parse_envelope, validate_detail
from notify_core.domain.errors import InvalidEventError

pytestmark = pytest.mark.unit

PDF = {"key": f"{ORG_ID}/invoices/INV-7.pdf", "filename": "INV-7.pdf", "content_type": "application/pdf"}


def _validate(d: dict, event_type: str = "invoice.issued") -> ProductEvent:
    return validate_detail(parse_envelope(envelope(event_type, event_detail=d)), catalog.CATALOG[event_type].data_model)


def _refused(d: dict, event_type: str = "invoice.issued") -> InvalidEventError:
    with pytest.raises(InvalidEventError) as info:
        _validate(d, event_type)
    return info.value


def _with(**fields) -> dict:
    d = detail("invoice.issued")
    d.update(fields)
    return d


def _attachment(**fields) -> dict:
    return _with(attachments=[{**PDF, **fields}])


# --- identifiers ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "event_id", ["7", "evt_1", "evt.1", "urn:evt:1", "evt@org", "org/evt", "evt-1", "EVT1", "e" * 256]
)
def test_identifiers_take_letters_digits_and_the_punctuation_of_ids_up_to_256_characters(event_id):
    assert _validate(_with(event_id=event_id)).event_id == event_id


@pytest.mark.parametrize(
    ("event_id", "message"),
    [
        ("", "event_id: String should have at least 1 character"),
        ("e" * 257, "event_id: String should have at most 256 characters"),
        ("evt 1", "event_id: String should match pattern '^[A-Za-z0-9_.:@/-]+$'"),
    ],
)
def test_identifiers_outside_the_limits_are_refused_saying_which_limit(event_id, message):
    err = _refused(_with(event_id=event_id))
    assert (err.reason, err.detail) == ("invalid_detail", message)


# --- locales ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["be", "fil", "es-419", "zh-hant", "sr-Latn-RS", "en-GB-oxendict"])
def test_locales_are_a_language_and_subtags_of_2_to_8_letters_or_digits(locale):
    assert _validate(_with(locale=locale)).detail.locale == locale


@pytest.mark.parametrize("locale", ["r", "russ", "RU", "ru_RU", "ru-", "en-a", "en-abcdefghi", "en-GB!"])
def test_anything_else_is_not_a_locale(locale):
    err = _refused(_with(locale=locale))
    assert err.reason == "invalid_detail" and err.detail.startswith("locale: ")


# --- recipients on the event --------------------------------------------------------------------------


def test_a_recipients_name_has_a_length_limit_and_one_over_it_fails_alone():
    # Addresses are checked (and normalised) by routing, each failing alone as invalid_address; the name is held
    # here: a recipient over it is rejected alone (routing logs it invalid_recipient), the event and others stand.
    longest = "N" * 200
    [r] = _validate(_with(recipients=[{"email": "b@example.com", "name": longest}])).detail.recipients
    assert r.name == longest
    event = _validate(_with(recipients=[{"email": "b@example.com", "name": longest + "x"}, {"email": "c@example.com"}]))
    assert [r.email for r in event.detail.recipients] == ["c@example.com"]
    [rejected] = event.rejected_recipients
    assert rejected.index == 0 and "name: String should have at most 200" in rejected.problem


def test_fifty_recipients_are_accepted():
    recipients = [{"email": f"b{i}@example.com"} for i in range(50)]
    assert len(_validate(_with(recipients=recipients)).detail.recipients) == 50


def test_a_recipient_naming_no_channels_explicitly_takes_every_channel_it_has_an_address_for():
    [r] = _validate(_with(recipients=[{"email": "b@example.com", "channels": None}])).detail.recipients
    assert r.channels is None


# --- subject and actor: what products add is kept for the templates ------------------------------------


def test_extra_subject_and_actor_fields_reach_the_senders():
    d = _with()
    d["subject"]["title"] = "Invoice INV-7"
    d["actor"] = {"id": "u-5", "name": "Olga", "role": "accountant"}
    event = _validate(d)
    org = settings(
        subscriptions=[subscription({"email": ["anna"]}, group="buyer.invoice")],
        contacts=[contact("anna", emails=[("anna@hutki.example", "work")])],
    )
    [d0] = routing.route(event, catalog.CATALOG["invoice.issued"], org).sendable
    message = routing.queue_message(event, d0, org)
    assert message["event"]["subject"]["title"] == "Invoice INV-7"
    assert message["event"]["actor"] == {"id": "u-5", "type": "user", "name": "Olga", "role": "accountant"}


# --- the envelope and the summary of what is wrong ------------------------------------------------------


def test_an_envelope_that_is_not_an_object_is_malformed_at_its_root():
    with pytest.raises(InvalidEventError) as info:
        parse_envelope("[1, 2]")
    assert (info.value.reason, info.value.detail) == (
        "malformed_envelope",
        "(root): Input should be a valid dictionary or instance of Envelope",
    )


def test_detail_type_must_be_spelt_as_eventbridge_spells_it():
    raw = envelope()
    raw["detail_type"] = raw.pop("detail-type")
    with pytest.raises(InvalidEventError) as info:
        parse_envelope(raw)
    assert (info.value.reason, info.value.detail) == ("malformed_envelope", "detail-type: Field required")


def test_the_reason_names_the_first_five_problems():
    d = {"locale": "Russian", "actor": {}, "recipients": "nobody"}
    err = _refused(d)
    assert err.reason == "invalid_detail"
    assert [part.split(":")[0] for part in err.detail.split("; ")] == [
        "org_id",
        "event_id",
        "occurred_at",
        "subject",
        "recipients",
    ]


# --- attachments ------------------------------------------------------------------------------------------


def test_an_s3_key_may_be_1024_characters_long_and_no_longer():
    longest = f"{ORG_ID}/" + "k" * (1024 - len(ORG_ID) - 1 - 4) + ".pdf"
    assert len(longest) == 1024
    assert _validate(_attachment(key=longest)).detail.attachments[0].key == longest
    err = _refused(_attachment(key=longest.replace(".pdf", ".pdff")))
    assert err.reason == "invalid_detail" and err.detail.startswith("attachments.0.key: String should have at most")


def test_an_empty_key_is_invalid_and_a_short_one_is_outside_the_tenant():
    err = _refused(_attachment(key=""))
    assert (err.reason, err.detail) == ("invalid_detail", "attachments.0.key: String should have at least 1 character")
    assert _refused(_attachment(key="x")).reason == "attachment_outside_tenant"


def test_a_key_with_a_delete_character_is_invalid():
    err = _refused(_attachment(key=f"{ORG_ID}/INV\x7f-7.pdf"))
    assert err.reason == "invalid_detail" and err.detail.startswith("attachments.0.key: ")


def test_a_foreign_key_is_named_in_the_reason_cut_to_200_characters():
    key = "org-elorus/" + "x" * 500 + ".pdf"
    err = _refused(_attachment(key=key))
    assert err.reason == "attachment_outside_tenant"
    assert f"attachments.0.key {key[:200]!r} is not an object under" in err.detail


@pytest.mark.parametrize("filename", ["a", "tmp", "f" * 251 + ".pdf", "Счёт №7.pdf"])
def test_file_names_from_one_to_255_characters_are_accepted(filename):
    # "tmp" has no extension at all: it is not a .tmp file, which SES would refuse
    assert _validate(_attachment(filename=filename)).detail.attachments[0].filename == filename


@pytest.mark.parametrize(
    ("filename", "message"),
    [
        ("", "String should have at least 1 character"),
        ("f" * 252 + ".pdf", "String should have at most 255 characters"),
        (" ", "Value error, filename must be a bare file name"),
        (".", "Value error, filename must be a bare file name"),
        (" .. ", "Value error, filename must be a bare file name"),
        ("INV\u200b-7.pdf", "Value error, filename must be a bare file name"),  # zero-width space (Cf)
        ("INV\u2028-7.pdf", "Value error, filename must be a bare file name"),  # line separator (Zl)
        ("INV\u2029-7.pdf", "Value error, filename must be a bare file name"),  # paragraph separator (Zp)
    ],
)
def test_file_names_that_are_empty_too_long_blank_or_hide_characters_are_refused(filename, message):
    err = _refused(_attachment(filename=filename))
    assert err.reason == "invalid_detail"
    assert err.detail.startswith(f"attachments.0.filename: {message}")


SUBTYPE_CHARACTERS = "!#$&^_.+-"  # RFC 6838 restricted-name-chars besides letters and digits


@pytest.mark.parametrize(
    "content_type",
    [
        "application/pdf",
        "audio/mpeg",
        "font/woff2",
        "image/png",
        "model/gltf+json",
        "text/csv",
        "video/3gpp",
        "application/x",
        "application/" + "a" * 127,
        *(f"application/a{ch}b" for ch in SUBTYPE_CHARACTERS),
    ],
)
def test_media_types_of_every_top_level_type_and_rfc_6838_subtype_are_accepted(content_type):
    assert _validate(_attachment(content_type=content_type)).detail.attachments[0].content_type == content_type


def test_a_media_type_is_trimmed_and_lower_cased_within_255_characters():
    padded = " Application/PDF" + " " * (255 - 16)
    assert _validate(_attachment(content_type=padded)).detail.attachments[0].content_type == "application/pdf"
    err = _refused(_attachment(content_type=padded + " "))
    assert err.detail.startswith("attachments.0.content_type: String should have at most 255 characters")


@pytest.mark.parametrize("content_type", ["application/" + "a" * 128, "application/a b", "x-pdf/a"])
def test_media_types_beyond_the_rfc_are_refused(content_type):
    err = _refused(_attachment(content_type=content_type))
    assert err.reason == "invalid_detail" and err.detail.startswith("attachments.0.content_type: ")
