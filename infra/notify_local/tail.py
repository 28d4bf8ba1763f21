"""What ``notify local up`` prints: one readable line per delivery (each status it reaches), in-app message and
quarantined event, as they happen; the handlers' raw JSON logs and metrics go to a file instead.

It reads what the platform recorded, as a person would (the delivery log, the inbox, the quarantine queue),
polling every half second: nothing in the handlers knows it is there.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Any, TextIO

from notify_core.adapters.dynamodb.deliveries_table import to_record
from notify_local.outbox import quarantined


def _clock(iso: str | None) -> str:
    try:
        return datetime.fromisoformat(str(iso).replace("Z", "+00:00")).strftime("%H:%M:%S")
    except ValueError:
        return time.strftime("%H:%M:%S")


def delivery_line(d: dict[str, Any]) -> str:
    """``10:15:02  email     sent      anna@hutki.example  payment.paid  org hutki-demo``, and why when not sent."""
    why = d.get("error_code")
    detail = (d.get("error_detail") or "").replace("\n", " ")[:80]
    tail = f"  {why}" + (f": {detail}" if detail and detail != why else "") if why and d["status"] != "sent" else ""
    attempts = int(d.get("attempt_count") or 0)
    tries = f"  (attempt {attempts})" if attempts > 1 else ""
    return (
        f"{_clock(d.get('updated_at') or d.get('created_at'))}  {d['channel']:<9} {d['status']:<9} "
        f"{d['address'][:44]:<44}  {d['event_type']}  org {d['org_id']}{tries}{tail}"
    )


def inbox_line(item: dict[str, Any]) -> str:
    return (
        f"{_clock(item.get('created_at'))}  {'inapp':<9} {'written':<9} {item['user_id'][:44]:<44}  "
        f"{item['event_type']}  org {item['org_id']}  \u201c{item.get('title', '')[:60]}\u201d"
    )


def quarantine_line(q: dict[str, Any]) -> str:
    return f"{_clock(q.get('quarantined_at'))}  QUARANTINED {q['reason']}: {str(q.get('detail', ''))[:140]}"


class Narrator:
    def __init__(self, rt: Any, out: TextIO, every_s: float = 0.5) -> None:
        self.rt = rt
        self.out = out
        self.every_s = every_s
        self._seen: dict[str, tuple[str, int]] = {}  # delivery id -> (status, attempts) printed last
        self._inbox: set[tuple[str, str]] = set()
        self._quarantined: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="notify-local-narrator", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                lines = self.poll()
            except Exception as exc:  # the runtime is stopping, or moto is busy: say so, keep going
                lines = [f"(could not read what was delivered: {type(exc).__name__}: {exc})"]
            for line in lines:
                print(line, file=self.out, flush=True)

    def poll(self) -> list[str]:
        """The lines for everything new since the last poll, in time order."""
        lines: list[tuple[str, str]] = []
        for item in self.rt.admin.deliveries.Item.scan():
            d = vars(to_record(item))  # the item's attributes under their short stored names, read back whole
            state = (d["status"], int(d.get("attempt_count") or 0))
            if d["status"] == "sending":
                continue  # a sender holds it right now: its outcome is the line worth reading
            if self._seen.get(d["delivery_id"]) != state:
                self._seen[d["delivery_id"]] = state
                lines.append((str(d.get("updated_at") or d.get("created_at")), delivery_line(d)))
        for item in self.rt.admin.inbox.Item.scan():
            row = item.to_simple_dict()
            inbox_key = (row["inbox_id"], row["sk"])
            if inbox_key not in self._inbox:
                self._inbox.add(inbox_key)
                lines.append((str(row.get("created_at")), inbox_line(row)))
        for q in quarantined(self.rt.queue_urls["quarantine"]):
            q_key = f"{q.get('quarantined_at')}#{q.get('source_message_id')}#{q.get('reason')}"
            if q_key not in self._quarantined:
                self._quarantined.add(q_key)
                lines.append((str(q.get("quarantined_at")), quarantine_line(q)))
        return [line for _, line in sorted(lines, key=lambda x: x[0])]
