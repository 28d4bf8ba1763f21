"""Events the platform publishes itself (alerts such as "URL notification failed") on its own bus."""

from __future__ import annotations

import json
from typing import Any

from notify_core.config import PLATFORM_SOURCE


class PlatformEvents:
    def __init__(self, events: Any, bus_name: str) -> None:
        self.events = events
        self.bus_name = bus_name

    def publish(self, detail_type: str, detail: dict[str, Any]) -> None:
        resp = self.events.put_events(
            Entries=[
                {
                    "Source": PLATFORM_SOURCE,
                    "DetailType": detail_type,
                    "Detail": json.dumps(detail),
                    "EventBusName": self.bus_name,
                }
            ]
        )
        if resp.get("FailedEntryCount"):
            raise RuntimeError(f"could not publish {detail_type}: {resp.get('Entries')}")

    def publish_many(self, events: list[tuple[str, dict[str, Any]]]) -> None:
        """Several events, ten to a PutEvents call (its limit); any entry refused fails the whole call's caller."""
        for i in range(0, len(events), 10):
            chunk = events[i : i + 10]
            resp = self.events.put_events(
                Entries=[
                    {
                        "Source": PLATFORM_SOURCE,
                        "DetailType": detail_type,
                        "Detail": json.dumps(detail),
                        "EventBusName": self.bus_name,
                    }
                    for detail_type, detail in chunk
                ]
            )
            if resp.get("FailedEntryCount"):
                raise RuntimeError(f"could not publish {len(chunk)} events: {resp.get('Entries')}")
