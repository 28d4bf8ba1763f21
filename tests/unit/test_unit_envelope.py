"""The event contract: envelope -> contract fields -> the event type's data schema, each with its reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from unit_factories import ORG_ID, detail, envelope

from notify_core.domain import catalog
from notify_core.domain.envelope import parse_envelope, validate_detail
from notify_core.domain.errors import InvalidEventError

pytestmark = pytest.mark.unit


def _validate(raw, event_type: str = "payment.paid"):
    return validate_detail(parse_envelope(raw), catalog.CATALOG[event_type].data_model)


def _reason(raw, event_type: str = "payment.paid") -> InvalidEventError:
    with pytest.raises(InvalidEventError) as info:
        _validate(raw, event_type)
    return info.value


def test_valid_event_from_json_text():
    event = _validate(json.dumps(envelope("payment.paid", service_id="svc-water", point_id="pos-7")))

    assert event.source == "payments"
    assert event.event_type == "payment.paid"
    assert event.org_id == ORG_ID
    assert event.event_id == "evt-0001"
    assert event.detail.occurred_at == datetime(2026, 3, 1, 10, 15, tzinfo=UTC)
    assert event.detail.subject.type == "payment"
    assert event.detail.subject.scope.service_id == "svc-water"
    assert event.detail.subject.scope.point_id == "pos-7"
    assert event.detail.data == {
        "amount": "120.50",
        "currency": "BYN",
        "payment_id": "pay-981",
        "account": "10042",
        "invoice_number": "42",
        "payer_name": "Ivan Petrov",
        "service_name": "Water supply",
    }
    assert event.detail.recipients == []
    assert event.detail.locale is None


def test_valid_event_from_dict_equals_event_from_text():
    raw = envelope("invoice.issued", locale="ru-BY", recipients=[{"email": "buyer@example.com"}])
    assert _validate(raw, "invoice.issued") == _validate(json.dumps(raw), "invoice.issued")


def test_envelope_without_account_is_accepted():
    # moto's EventBridge does not put `account` on the events it forwards.
    raw = envelope()
    del raw["account"]
    env = parse_envelope(raw)
    assert env.account is None
    assert _validate(raw).event_id == "evt-0001"


@pytest.mark.parametrize("raw", ["{not json", "", "null", "[1, 2]", '"a string"'])
def test_not_an_eventbridge_json_object_is_malformed(raw):
    err = _reason(raw)
    assert err.reason == "malformed_envelope"


def test_envelope_missing_detail_type_is_malformed_and_names_it():
    raw = envelope()
    del raw["detail-type"]
    err = _reason(raw)
    assert err.reason == "malformed_envelope"
    assert err.detail == "detail-type: Field required"


def test_detail_that_is_not_an_object_is_malformed():
    err = _reason(envelope(event_detail="org-hutki evt-1"))
    assert err.reason == "malformed_envelope"
    assert err.detail.startswith("detail: ")


@pytest.mark.parametrize("field", ["org_id", "event_id", "occurred_at", "subject"])
def test_missing_contract_field_is_invalid_detail_naming_it(field):
    d = detail()
    del d[field]
    err = _reason(envelope(event_detail=d))
    assert err.reason == "invalid_detail"
    assert err.detail == f"{field}: Field required"
    assert str(err) == f"invalid_detail: {field}: Field required"


def test_occurred_at_without_timezone_is_invalid_detail():
    d = detail()
    d["occurred_at"] = "2026-03-01T10:15:00"
    err = _reason(envelope(event_detail=d))
    assert err.reason == "invalid_detail"
    assert err.detail == "occurred_at: Value error, occurred_at needs a timezone (ISO 8601 with Z or an offset)"


def test_occurred_at_with_offset_is_kept_with_its_offset():
    d = detail()
    d["occurred_at"] = "2026-03-01T13:15:00+03:00"
    event = _validate(envelope(event_detail=d))
    assert event.detail.occurred_at == datetime(2026, 3, 1, 10, 15, tzinfo=UTC)
    assert event.detail.occurred_at.utcoffset().total_seconds() == 3 * 3600


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        (("org_id",), "org hutki", "org_id"),  # spaces are not identifiers
        (("event_id",), "", "event_id"),
        (("subject", "scope", "service_id"), "svc#1", "subject.scope.service_id"),  # '#' would forge scope keys
        (("locale",), "Russian", "locale"),
    ],
)
def test_malformed_identifiers_are_invalid_detail(path, value, where):
    d = detail()
    target = d
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value
    err = _reason(envelope(event_detail=d))
    assert err.reason == "invalid_detail"
    assert err.detail.startswith(f"{where}: ")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", "abc", "amount: Input should be a valid decimal"),
        ("amount", "-1", "amount: Input should be greater than or equal to 0"),
        ("currency", "byn", "currency: String should match pattern '^[A-Z]{3}$'"),
        ("currency", "BYNN", "currency: String should match pattern '^[A-Z]{3}$'"),
    ],
)
def test_data_failing_the_event_types_schema_is_invalid_data(field, value, message):
    data = dict(catalog.CATALOG["payment.paid"].example, **{field: value})
    err = _reason(envelope(data=data))
    assert err.reason == "invalid_data"
    assert err.detail == message


def test_data_missing_a_required_fact_is_invalid_data():
    data = dict(catalog.CATALOG["payment.paid"].example)
    del data["payment_id"]
    err = _reason(envelope(data=data))
    assert (err.reason, err.detail) == ("invalid_data", "payment_id: Field required")


def test_same_data_valid_for_one_type_is_invalid_for_another():
    # payment.failed requires invoice_number and reason; payment.paid's example has no reason.
    raw = envelope("payment.paid")
    raw["detail-type"] = "payment.failed"
    err = _reason(raw, "payment.failed")
    assert err.reason == "invalid_data"
    assert err.detail == "reason: Field required"


def test_extra_data_fields_are_kept_and_data_is_normalised():
    data = {"amount": 120.5, "currency": "BYN", "payment_id": "pay-1", "contract_no": "C-7", "meter": {"reading": 1042}}
    event = _validate(envelope(data=data))
    assert event.detail.data == {
        "amount": "120.5",
        "currency": "BYN",
        "payment_id": "pay-1",
        "contract_no": "C-7",
        "meter": {"reading": 1042},
    }


def test_recipients_actor_and_locale_are_parsed():
    raw = envelope(
        "invoice.issued",
        locale="ru-BY",
        actor={"id": "user-5", "name": "Olga"},
        recipients=[
            {
                "name": "Buyer",
                "email": "buyer@example.com",
                "phone": "+375291234567",
                "channels": ["email"],
                "events": ["invoice.issued"],
                "locale": "be",
            }
        ],
    )
    event = _validate(raw, "invoice.issued")
    assert event.detail.locale == "ru-BY"
    assert event.detail.actor.model_dump() == {"id": "user-5", "type": "user", "name": "Olga"}
    [r] = event.detail.recipients
    assert (r.email, r.phone, r.channels, r.events, r.locale) == (
        "buyer@example.com",
        "+375291234567",
        ["email"],
        ["invoice.issued"],
        "be",
    )


def test_a_recipient_that_does_not_fit_the_contract_is_rejected_alone_not_the_event():
    good = {"email": "buyer@example.com"}
    bad = [
        {"email": "webhook@example.com", "channels": ["email", "webhook"]},
        {"email": "x@example.com", "locale": "not a locale!"},
        "just a string",
        {"phone": 375291234567},
    ]
    event = _validate(envelope("invoice.issued", recipients=[good, *bad, good]), "invoice.issued")
    assert [r.email for r in event.detail.recipients] == ["buyer@example.com", "buyer@example.com"]
    problems = {r.index: (r.email, r.phone, r.problem) for r in event.rejected_recipients}
    assert problems == {
        1: (
            "webhook@example.com",
            None,
            "channels: Value error, recipients on an event may use email and sms only, not ['webhook']",
        ),
        2: ("x@example.com", None, "locale: String should match pattern '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$'"),
        3: (None, None, "(root): Input should be a valid dictionary or instance of EventRecipient"),
        4: (None, None, "phone: Input should be a valid string"),
    }


def test_recipients_are_not_capped_by_count_only_by_the_events_size():
    # The old cap was 50; EventBridge's 256 KB entry is the limit now (README: about 1,400 typical buyers).
    raw = envelope("invoice.issued", recipients=[{"email": f"b{i}@example.com"} for i in range(3_000)])
    event = _validate(json.dumps(raw), "invoice.issued")
    assert len(event.detail.recipients) == 3_000 and event.rejected_recipients == []


def test_a_recipients_address_is_not_refused_for_its_length_at_validation():
    # Too long to be an address: routing logs it failed (invalid_address) on its own, the event goes on.
    event = _validate(envelope("invoice.issued", recipients=[{"email": "a" * 400 + "@example.com"}]), "invoice.issued")
    assert len(event.detail.recipients) == 1
