"""Metering the handlers on the local runtime: what AWS would bill for, measured rather than assumed.

- AWS API calls, by function and operation (every botocore call a handler makes);
- DynamoDB write and read request units, by table, from the items actually written and read (``tests/ddb_size``:
  DynamoDB's own size rules): a put is billed per 1 KB started of the item, plus one write per index entry the
  item has (its size within the index: keys and projected attributes); an update is billed on the item it leaves
  (read back outside the handler); a read per 4 KB started (half for an eventually consistent one), a missing item
  as one;
- CPU time of each invocation (the invoking thread's: the handler and its SDK work, not moto's server threads);
- log bytes each invocation writes (the handlers' stdout: Powertools logs and EMF metrics).

Used by ``scripts/bench_delivery.py`` (calls per delivery, write units, $ per million) and ``scripts/bench_fanout.py``.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from notify_infra import wiring
from notify_local import aws_calls
from notify_local.names import physical_name
from tests.ddb_size import KB, item_size

READ_UNIT = 4 * KB


@dataclass
class Meter:
    calls: Counter = field(default_factory=Counter)  # (function, "service:Operation")
    write_units: Counter = field(default_factory=Counter)  # (function, table key)
    read_units: Counter = field(default_factory=Counter)  # (function, table key)
    cpu_s: Counter = field(default_factory=Counter)  # function
    log_bytes: Counter = field(default_factory=Counter)  # function
    invocations: Counter = field(default_factory=Counter)  # function
    records: Counter = field(default_factory=Counter)  # function
    sizes: dict[str, list[int]] = field(default_factory=dict)  # table key -> item sizes written
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def clear(self) -> None:
        for c in (self.calls, self.write_units, self.read_units, self.cpu_s, self.log_bytes, self.invocations):
            c.clear()
        self.records.clear()
        self.sizes.clear()


_TABLES = {physical_name(t.key): t for t in wiring.TABLES}


def _index_units(table: wiring.Table, item: dict[str, Any]) -> int:
    units = 0
    keys = {table.partition_key[0], *([table.sort_key[0]] if table.sort_key else [])}
    for index in table.indexes:
        if index.partition_key[0] not in item or (index.sort_key and index.sort_key[0] not in item):
            continue  # sparse: no entry
        names = keys | {index.partition_key[0], *([index.sort_key[0]] if index.sort_key else [])}
        if index.projection == "ALL":
            names = set(item)
        elif index.projection == "INCLUDE":
            names |= set(index.include)
        units += max(1, math.ceil(item_size({k: v for k, v in item.items() if k in names}) / KB))
    return units


def _put_units(table: wiring.Table, item: dict[str, Any]) -> int:
    return max(1, math.ceil(item_size(item) / KB)) + _index_units(table, item)


def _read_units(items: list[dict[str, Any]], consistent: bool, missing: int = 0) -> float:
    per = 1.0 if consistent else 0.5
    total = sum(max(1, math.ceil(item_size(i) / READ_UNIT)) for i in items) + missing
    return total * per


class Metering:
    """Hooks on the runtime's handler calls; ``invoke`` plays one batch and meters it."""

    def __init__(self, rt: Any, sink: Any) -> None:
        self.rt = rt
        self.sink = sink
        self.meter = Meter()
        self._undo = rt.around_aws_call("dynamodb", "*", self._dynamodb)

    def close(self) -> None:
        self._undo()

    def invoke(self, function: str, event: dict[str, Any]) -> dict[str, Any]:
        before_calls = Counter(self.rt.aws_calls)
        log_at = self.sink.tell()
        cpu = time.thread_time()
        result = self.rt.invoke(function, event)
        cpu = time.thread_time() - cpu
        m = self.meter
        m.cpu_s[function] += cpu
        m.log_bytes[function] += len(self.sink.getvalue()[log_at:].encode())
        m.invocations[function] += 1
        m.records[function] += len(event.get("Records", []))
        for op, n in (Counter(self.rt.aws_calls) - before_calls).items():
            m.calls[(function, op)] += n
        return result

    # ------------------------------------------------------------------ DynamoDB units
    def _dynamodb(self, call: Any, params: Any, function: str) -> Any:
        op = aws_calls.current_call().split(":")[1]
        response = call(params)
        with contextlib.suppress(Exception):  # metering must never change what the handler sees
            self._units(function, op, params, response)
        return response

    def _units(self, fn: str, op: str, params: dict[str, Any], response: dict[str, Any]) -> None:  # noqa: C901 - one rule per operation
        m = self.meter
        if op == "BatchWriteItem":
            for name, requests in params["RequestItems"].items():
                table = _TABLES[name]
                for r in requests:
                    if "PutRequest" in r:
                        item = r["PutRequest"]["Item"]
                        self._written(fn, table, item)
                    else:
                        m.write_units[(fn, table.key)] += 1 + len(table.indexes)
        elif op == "PutItem":
            self._written(fn, _TABLES[params["TableName"]], params["Item"])
        elif op == "TransactWriteItems":
            for t in params["TransactItems"]:
                if "Put" in t:
                    # Transactions bill twice: prepare and commit.
                    table = _TABLES[t["Put"]["TableName"]]
                    m.write_units[(fn, table.key)] += 2 * _put_units(table, t["Put"]["Item"])
                else:
                    body = next(iter(t.values()))
                    m.write_units[(fn, _TABLES[body["TableName"]].key)] += 2
        elif op in ("UpdateItem", "DeleteItem"):
            table = _TABLES[params["TableName"]]
            after = self._read_back(params["TableName"], params["Key"]) if op == "UpdateItem" else None
            m.write_units[(fn, table.key)] += _put_units(table, after) if after else 1
        elif op == "GetItem":
            item = response.get("Item")
            m.read_units[(fn, _TABLES[params["TableName"]].key)] += _read_units(
                [item] if item else [], params.get("ConsistentRead", False), missing=0 if item else 1
            )
        elif op == "BatchGetItem":
            for name, items in response.get("Responses", {}).items():
                asked = params["RequestItems"][name]
                m.read_units[(fn, _TABLES[name].key)] += _read_units(
                    items, asked.get("ConsistentRead", False), missing=len(asked["Keys"]) - len(items)
                )
        elif op in ("Query", "Scan"):
            items = response.get("Items", [])
            size = sum(item_size(i) for i in items)
            per = 1.0 if params.get("ConsistentRead") else 0.5
            m.read_units[(fn, _TABLES[params["TableName"]].key)] += max(1, math.ceil(size / READ_UNIT)) * per

    def _written(self, fn: str, table: wiring.Table, item: dict[str, Any]) -> None:
        with self.meter.lock:
            self.meter.write_units[(fn, table.key)] += _put_units(table, item)
            self.meter.sizes.setdefault(table.key, []).append(item_size(item))

    @staticmethod
    def _read_back(table_name: str, key: dict[str, Any]) -> dict[str, Any] | None:
        # Outside the handler's context (a fresh thread): not counted as the handler's call, not metered again.
        import boto3

        found: list[dict[str, Any] | None] = [None]

        def get() -> None:
            found[0] = boto3.client("dynamodb").get_item(TableName=table_name, Key=key).get("Item")

        t = threading.Thread(target=get)
        t.start()
        t.join()
        return found[0]


@contextlib.contextmanager
def moto_sqs_without_quadratic_counts() -> Any:
    """moto (in this process) reads one queue flag on every SendMessage by computing all queue attributes, counting
    every message already queued: thousands of messages cost O(n²) and a run takes half an hour. Inside this block
    nothing reads those counts (the driver is paused), so they are made constant."""
    from moto.sqs.models import Queue

    names = (
        "approximate_number_of_messages",
        "approximate_number_of_messages_delayed",
        "approximate_number_of_messages_not_visible",
    )
    saved = {name: getattr(Queue, name) for name in names}
    for name in saved:
        setattr(Queue, name, property(lambda self: 0))
    try:
        yield
    finally:
        for name, prop in saved.items():
            setattr(Queue, name, prop)
