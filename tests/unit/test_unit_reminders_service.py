"""The reminder service's orchestration with in-memory ports: the order of its effects, and that a retry after a crash
between any two of them finishes the work without sending twice."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from notify_core.domain.org_settings import OrgProfile
from notify_core.domain.reminders import Item
from notify_core.services.reminders import Reminders

pytestmark = pytest.mark.unit

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class Items:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str, str], Item] = {}

    def get(self, org_id: str, item_type: str, item_id: str) -> Item | None:
        return self.rows.get((org_id, item_type, item_id))

    def put(self, item: Item) -> Item:
        key = (item.org_id, item.item_type, item.item_id)
        held = self.rows.get(key)
        if held is not None and held.version != item.version:
            raise RuntimeError("conditional check failed")
        self.rows[key] = replace(item, version=item.version + 1)
        return self.rows[key]


class Steps:
    def __init__(self) -> None:
        self.started: dict[str, dict[str, Any]] = {}
        self.stopped: list[str] = []

    def start(self, name: str, payload: dict[str, Any]) -> None:
        self.started.setdefault(name, payload)  # Standard: one execution per name

    def stop(self, name: str, cause: str) -> None:
        self.stopped.append(name)


class Bus:
    def __init__(self, log: list[str]) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.log = log
        self.fail = False

    def publish(self, detail_type: str, detail: dict[str, Any]) -> None:
        if self.fail:
            raise RuntimeError("PutEvents throttled")
        self.events.append((detail_type, detail))
        self.log.append(f"publish {detail['event_id']}")


class Profiles:
    def profile(self, org_id: str) -> OrgProfile | None:
        return OrgProfile(name="Studio") if org_id == "o" else None


def envelope(detail_type: str, detail: dict[str, Any], source: str = "taxdome") -> str:
    return json.dumps(
        {
            "version": "0",
            "id": "x",
            "detail-type": detail_type,
            "source": source,
            "account": "1",
            "time": "2026-12-01T09:00:00Z",
            "region": "eu-west-1",
            "resources": [],
            "detail": detail,
        }
    )


def requested(org: str = "o", **reminders: Any) -> str:
    data: dict[str, Any] = {"document_name": "x.pdf"}
    if reminders:
        data["reminders"] = reminders
    return envelope(
        "signature.requested",
        {
            "org_id": org,
            "event_id": "sig-1",
            "occurred_at": "2026-12-01T09:00:00Z",
            "subject": {"type": "document", "id": "doc-1", "client_id": "c1"},
            "data": data,
        },
    )


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    now = {"t": T0}
    log: list[str] = []
    items, steps, bus = Items(), Steps(), Bus(log)
    service = Reminders(items=items, steps=steps, events=bus, profiles=Profiles(), clock=lambda: now["t"])
    return service, items, steps, bus, now


def test_a_start_writes_the_item_and_starts_its_first_step(world):
    service, items, steps, bus, _ = world
    assert service.on_event(requested(count=2))["next_at"] == "2026-12-04T09:00:00Z"
    [(_, payload)] = steps.started.items()
    assert payload == {
        "org_id": "o",
        "item_type": "signature",
        "item_id": "doc-1",
        "step": 1,
        "next_at": "2026-12-04T09:00:00Z",
    }
    assert bus.events == [] and items.get("o", "signature", "doc-1").sent == 0


def test_a_step_publishes_then_writes_then_starts_the_next(world):
    service, items, steps, bus, now = world
    service.on_event(requested(count=2))
    payload = next(iter(steps.started.values()))
    now["t"] = T0 + timedelta(days=3)
    service.on_step(payload)
    [(kind, detail)] = bus.events
    assert kind == "signature.requested" and detail["data"]["reminder_number"] == 1
    assert items.get("o", "signature", "doc-1").sent == 1 and len(steps.started) == 2


def test_a_step_that_failed_to_publish_is_retried_whole_and_sends_once(world):
    service, items, steps, bus, now = world
    service.on_event(requested(count=1))
    payload = next(iter(steps.started.values()))
    now["t"] = T0 + timedelta(days=3)
    bus.fail = True
    with pytest.raises(RuntimeError):
        service.on_step(payload)
    assert items.get("o", "signature", "doc-1").sent == 0  # nothing written: the retry does it all
    bus.fail = False
    service.on_step(payload)  # the state machine's Retry
    service.on_step(payload)  # and once more: a stale step now
    assert [d["event_id"] for _, d in bus.events] == ["sig-1.r1-1"]


def test_a_retried_event_after_a_crash_before_the_start_starts_the_step(world):
    service, _items, steps, _, _ = world
    service.on_event(requested())
    steps.started.clear()  # as if the function died after writing the item, before StartExecution
    assert service.on_event(requested())["outcome"].startswith("duplicate")
    assert len(steps.started) == 1


def test_an_org_without_settings_or_a_bad_event_starts_nothing(world):
    service, items, steps, _, _ = world
    assert service.on_event(requested(org="nobody")) == {"ignored": "org_without_settings"}
    assert service.on_event(requested(every_days=0)) == {"ignored": "invalid_data"}
    assert service.on_event(envelope("payment.paid", {})) == {
        "ignored": "'payment.paid' starts, ends or changes no series"
    }
    assert service.on_event(requested().replace('"taxdome"', '"notify.platform"')) == {
        "ignored": "the platform's own event"
    }
    assert items.rows == {} and steps.started == {}
