"""Hostile and malformed events for the router, as hypothesis strategies (shared by the property test in
``tests/unit/test_unit_router_fuzz.py`` and the 10,000-event run of ``scripts/bench_fuzz.py``).

Each case is one event under test (sometimes preceded by a valid "primer" event with the same id, to play a
reused id), built from a valid event of a random catalog type and then attacked: a field replaced by arbitrary
JSON, nesting thousands of levels deep, strings and collections past every bound, numbers JSON cannot carry,
occurred_at of any shape and any year, forged sources, broken JSON text. The router is the real
``services.dispatch.Dispatcher`` with the repository's templates and in-memory ports whose quarantine and queues
check what the real ones would refuse (SQS's 256 KB).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from notify_core.adapters.sqs import MAX_MESSAGE_BYTES, quarantine_body
from notify_core.domain import catalog
from notify_core.domain.org_settings import Contact as OrgContact
from notify_core.domain.org_settings import Member, OrgDirectory, OrgProfile, PermissionGrant, Subscription, Tagged
from notify_core.domain.publishers import PLATFORM_SOURCE, Publishers
from notify_core.domain.templates import Renderer
from notify_core.services.dispatch import Dispatcher
from tests.fakes import (
    FakeDeliveryLog,
    FakeEventRecords,
    FakeInbox,
    FakePages,
    FakeQuarantine,
    FakeQueues,
    FakeRoutingRecords,
    FakeSettings,
    FakeSuppressions,
    FakeUsers,
)

ORG = "org-fuzz"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
TEMPLATES = str(Path(__file__).resolve().parents[1] / "templates")
SQS_LIMIT = 256 * 1024
# Every reason an event may be quarantined with; "unreadable" is the catch-all for a failure nobody foresaw, which
# the fuzz reports as a finding (the event was still not raised).
REASONS = frozenset(
    {
        "malformed_envelope",
        "too_large",
        "too_deep",
        "unknown_event_type",
        "invalid_detail",
        "invalid_data",
        "attachment_outside_tenant",
        "occurred_at_out_of_window",
        "source_not_allowed",
        "event_id_reused",
    }
)


class CheckedQuarantine(FakeQuarantine):
    """The quarantine, holding each event as the real one would send it: the message must fit SQS."""

    def put(self, raw_body: str, *, reason: str, detail: str, at: str, message_id: str | None) -> None:
        body = quarantine_body(raw_body, reason=reason, detail=detail, at=at, message_id=message_id)
        size = len(body.encode())
        assert size <= MAX_MESSAGE_BYTES, f"a quarantine message of {size} bytes"
        super().put(raw_body, reason=reason, detail=detail, at=at, message_id=message_id)


class CheckedQueues(FakeQueues):
    def enqueue(self, messages: list[dict[str, Any]]) -> int:
        for m in messages:
            size = len(json.dumps(m, separators=(",", ":")).encode())
            assert size <= SQS_LIMIT, f"a queue message of {size} bytes"
        return super().enqueue(messages)


def org(publishers: Publishers | None) -> OrgDirectory:
    anna = OrgContact("anna", "Anna", emails=(Tagged("anna@org.example"),), phones=(Tagged("+375291234567"),))
    groups = {e.group for e in catalog.CATALOG.values() if catalog.SUBSCRIBERS in e.audiences}
    return OrgDirectory(
        org_id=ORG,
        profile=OrgProfile(
            name="Fuzz Org",
            default_phone_region="BY",
            slack_enabled=True,
            buyer_channels={"invoice.issued": ("email", "sms"), "invoice.paid": ("email", "sms")},
            publishers=publishers,
        ),
        contacts=[anna],
        subscriptions=[Subscription(g, "org", {"email": ("anna",), "sms": ("anna",)}) for g in sorted(groups)],
        members=[Member("u-1", "Ivan", email="ivan@org.example")],
        grants=[
            PermissionGrant(f"{s}:edit", "u-1", "Ivan", email="ivan@org.example", phone="+375291234568")
            for s in catalog.SECTIONS
        ],
    )


@dataclass
class FuzzRouter:
    publishers: Publishers | None = None
    publishers_required: bool = False
    quarantine: CheckedQuarantine = field(default_factory=CheckedQuarantine)
    queues: CheckedQueues = field(default_factory=CheckedQueues)

    def __post_init__(self) -> None:
        self.dispatcher = Dispatcher(
            settings=FakeSettings(org(self.publishers)),
            users=FakeUsers(),
            suppressions=FakeSuppressions(),
            deliveries=FakeDeliveryLog(),
            inbox=FakeInbox(),
            queues=self.queues,
            quarantine=self.quarantine,
            renderer=Renderer(TEMPLATES),
            pages=FakePages(),
            events=FakeEventRecords(),
            records=FakeRoutingRecords(),
            publishers_required=self.publishers_required,
            clock=lambda: NOW,
        )

    def handle(self, body: str) -> dict[str, Any]:
        return self.dispatcher.handle_body(body, message_id="fuzz")


def outcome(result: dict[str, Any]) -> str:
    """``routed`` or ``quarantined:<reason>``: what the router did with an event."""
    return f"quarantined:{result['quarantined']}" if "quarantined" in result else "routed"


# ---------------------------------------------------------------------------------------------------- strategies
EVENT_TYPES = sorted(catalog.CATALOG)
# Mostly a product the org admits: an attack then has to get past everything else.
SOURCES = ["payments"] * 6 + ["invoicing", "crm.orders", PLATFORM_SOURCE, "", "x" * 300, "aws.events", "ünïcode"]
ALPHABETS = ["a", "я", "😀", '"', "\\", "\x01", "\u2028", "\ufffe"]
NUMBER_LITERALS = ["1E+999999999", "-1e400", "9" * 5000, "9" * 41, "NaN", "Infinity", "-0", "1e-400", "0.1" * 20]
PATHS = [
    ("org_id",),
    ("event_id",),
    ("occurred_at",),
    ("subject",),
    ("subject", "scope"),
    ("subject", "relations"),
    ("subject", "client_id"),
    ("data",),
    ("data", "amount"),
    ("data", "currency"),
    ("data", "extra"),
    ("recipients",),
    ("recipients", 0),
    ("recipients", 0, "email"),
    ("recipients", 0, "channels"),
    ("attachments",),
    ("locale",),
    ("actor",),
]

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**50), max_value=10**50)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
occurred_ats = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)).map(
        lambda d: d.isoformat()
    ),
    st.integers(min_value=-(10**12), max_value=10**13),
    st.text(max_size=30),
    st.sampled_from(["2026-11-30", "2026-11-30T12:00:00", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"]),
    st.timedeltas(min_value=timedelta(days=-30), max_value=timedelta(days=2)).map(lambda d: (NOW + d).isoformat()),
)


def valid_detail(event_type: str, event_id: str) -> dict[str, Any]:
    et = catalog.CATALOG[event_type]
    detail: dict[str, Any] = {
        "org_id": ORG,
        "event_id": event_id,
        "occurred_at": (NOW - timedelta(minutes=1)).isoformat(),
        "subject": {"type": "thing", "id": "s-1", "client_id": "c-1", "relations": {"executor": ["u-1"]}},
        "data": copy.deepcopy(et.example),
        "actor": {"id": "u-1"},
    }
    if catalog.EVENT_RECIPIENTS in et.audiences:
        detail["recipients"] = [{"email": "buyer@example.com", "phone": "+375447001122"}]
    return detail


def envelope(event_type: str, source: str, detail: Any) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "fuzz",
        "detail-type": event_type,
        "source": source,
        "account": "111122223333",
        "time": NOW.isoformat(),
        "region": "eu-west-1",
        "resources": [],
        "detail": detail,
    }


def _set(target: Any, path: tuple[Any, ...], value: Any) -> None:
    for key in path[:-1]:
        if isinstance(target, dict):
            target = target.setdefault(key, {})
        elif isinstance(target, list) and isinstance(key, int) and key < len(target):
            target = target[key]
        else:
            return
    last = path[-1]
    if isinstance(target, dict) or (isinstance(target, list) and isinstance(last, int) and last < len(target)):
        target[last] = value


PLACEHOLDER = "@@FUZZ@@"


@st.composite
def attacks(draw: st.DrawFn, detail: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The detail attacked, and a text to put in place of ``PLACEHOLDER`` in its JSON (None: nothing)."""
    kind = draw(
        st.sampled_from(
            ["none", "none", "replace", "replace", "deep", "big_string", "many", "number", "occurred_at", "recipients"]
        )
    )
    path = draw(st.sampled_from(PATHS))
    if kind == "replace":
        _set(detail, path, draw(json_values))
    elif kind == "deep":
        n = draw(st.integers(min_value=1, max_value=3_000))
        opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
        _set(detail, path, PLACEHOLDER)
        return detail, opener * n + "0" + closer * n
    elif kind == "big_string":
        n = draw(st.integers(min_value=1_000, max_value=140_000) | st.integers(min_value=1, max_value=4_000))
        _set(detail, path, draw(st.sampled_from(ALPHABETS)) * n)
    elif kind == "many":
        n = draw(st.integers(min_value=900, max_value=20_000))
        item = draw(st.sampled_from([0, "x", {"email": "b@example.com"}, {}, [1]]))
        _set(detail, path, [item] * n)
    elif kind == "number":
        _set(detail, path, PLACEHOLDER)
        return detail, draw(st.sampled_from(NUMBER_LITERALS))
    elif kind == "occurred_at":
        detail["occurred_at"] = draw(occurred_ats)
    elif kind == "recipients":
        detail["recipients"] = draw(
            st.lists(json_values | st.fixed_dictionaries({"email": st.text(max_size=30)}), max_size=30)
        )
    return detail, None


@dataclass(frozen=True)
class Case:
    body: str
    primer: str | None  # a valid event with the same id, routed first (a reused id), or None
    publishers: Publishers | None
    publishers_required: bool


@st.composite
def cases(draw: st.DrawFn) -> Case:
    event_type = draw(st.sampled_from([*EVENT_TYPES, "payment.teleported", ""]))
    catalog_type = event_type if event_type in catalog.CATALOG else "payment.paid"
    event_id = draw(st.sampled_from(["e-1", "e-1", "e-1", "e-2", "e/3", "e:4", "e 5"]))
    source = draw(st.sampled_from(SOURCES))
    detail, inserted = draw(attacks(valid_detail(catalog_type, event_id)))
    raw = envelope(event_type, source, detail)
    if draw(st.integers(min_value=0, max_value=9)) == 0:  # the envelope itself mangled
        _set(
            raw,
            (draw(st.sampled_from(["detail", "detail-type", "source", "time", "version", "id"])),),
            draw(json_values),
        )
    body = json.dumps(raw, ensure_ascii=draw(st.booleans()))
    if inserted is not None:
        body = body.replace(json.dumps(PLACEHOLDER), inserted, 1)
    if draw(st.integers(min_value=0, max_value=14)) == 0:  # broken JSON text
        body = body[: draw(st.integers(min_value=0, max_value=max(0, len(body) - 1)))]
    primer = None
    if draw(st.integers(min_value=0, max_value=5)) == 0:
        other = draw(st.sampled_from(EVENT_TYPES))
        primer = json.dumps(envelope(other, "payments", valid_detail(other, event_id)))
    publishers = draw(
        st.sampled_from([None, None, Publishers(sources=("payments", "invoicing")), Publishers(sources=())])
    )
    required = draw(st.integers(min_value=0, max_value=4)) == 0
    return Case(body=body, primer=primer, publishers=publishers, publishers_required=required)


def run(case: Case) -> dict[str, Any]:
    """The router's answer to the case's event (after its primer, if any). Raises only if the router raised."""
    router = FuzzRouter(case.publishers, case.publishers_required)
    if case.primer is not None:
        router.handle(case.primer)
    return router.handle(case.body)
