"""Would a new JSON Schema refuse something a producer could send under the old one?

The committed schemas (schemas/events/*.json) are what product teams code against. A change to an event
type's data model is *breaking for producers* when some data valid under the committed schema is refused
by the new one: a property removed or newly required, a type dropped from ``type``/``anyOf``, an enum or
const losing a value, a pattern or format added or changed, a lower bound raised or an upper bound lowered
(or either added), ``additionalProperties`` forbidden, items made unique. Additive changes (a new optional
property, a relaxed limit, a widened type) are compatible.

``breaking_changes(old, new)`` returns one human-readable finding per narrowing, ``<path>: <what changed>``
with paths like ``$.by_user[].name``. It walks both schemas together, resolving local ``$ref``s
(``#/$defs/...``) in each against its own root, and recursing into properties, ``additionalProperties``,
``propertyNames``, ``items`` and ``prefixItems``. ``anyOf``/``oneOf`` are read as alternatives: for each JSON
type an old alternative accepted, the new schema must have an alternative accepting that type whose
constraints are no tighter. ``allOf`` members are merged. Keywords it does not know (``not``, ``if``,
``dependentRequired``, ``patternProperties``...) are ignored, and so are pydantic validators, which no
JSON Schema shows: this is a guard for schema edits, not a proof.

Pure: standard library only.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

Schema = dict[str, Any] | bool

# "integer" is a kind of its own here: a schema of type "number" accepts both kinds, one of type "integer"
# only the first, so number -> integer is a narrowing and integer -> number a widening.
ALL_TYPES = frozenset({"null", "boolean", "integer", "number", "string", "array", "object"})
# Keywords that describe a schema without constraining what it accepts.
_ANNOTATIONS = frozenset(
    {"title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly", "$comment", "$schema", "$id"}
    | {"$defs", "definitions"}
)


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    """Every way ``new`` refuses data that ``old`` accepted; empty when the change is compatible."""
    findings = _Walk(old, new).node("$", old, new, frozenset())
    return list(dict.fromkeys(findings))  # the same narrowing reached twice (integer and number) reads once


def _value_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _allowed_values(schema: dict[str, Any]) -> list[Any] | None:
    """The values an enum or const allows (``None``: any value of the schema's types)."""
    if "const" in schema:
        return [schema["const"]]
    if "enum" in schema:
        return list(schema["enum"])
    return None


def _types(schema: dict[str, Any]) -> set[str]:
    declared = schema.get("type")
    types = set(ALL_TYPES) if declared is None else {declared} if isinstance(declared, str) else set(declared)
    if "number" in types:
        types.add("integer")
    values = _allowed_values(schema)
    if values is not None:
        types &= {_value_type(v) for v in values}
    return types


def _accepts_anything(schema: dict[str, Any]) -> bool:
    return all(key in _ANNOTATIONS or key.startswith("x-") for key in schema)


def _describe(types: set[str]) -> str:
    if types >= ALL_TYPES:
        return "any"
    shown = types - {"integer"} if "number" in types else types  # number says integer too
    return "|".join(sorted(shown)) or "nothing"


def _lost_text(json_type: str, still: set[str]) -> str:
    return "non-integer number" if json_type == "number" and "integer" in still else json_type


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _lower_bound(schema: dict[str, Any]) -> tuple[Any, bool] | None:
    """The tightest lower bound as (value, exclusive), from minimum and exclusiveMinimum."""
    bounds = []
    if "minimum" in schema:
        bounds.append((schema["minimum"], schema.get("exclusiveMinimum") is True))  # draft 4's boolean form
    if "exclusiveMinimum" in schema and not isinstance(schema["exclusiveMinimum"], bool):
        bounds.append((schema["exclusiveMinimum"], True))
    return max(bounds, key=lambda b: (b[0], b[1])) if bounds else None


def _upper_bound(schema: dict[str, Any]) -> tuple[Any, bool] | None:
    bounds = []
    if "maximum" in schema:
        bounds.append((schema["maximum"], schema.get("exclusiveMaximum") is True))
    if "exclusiveMaximum" in schema and not isinstance(schema["exclusiveMaximum"], bool):
        bounds.append((schema["exclusiveMaximum"], True))
    return min(bounds, key=lambda b: (b[0], not b[1])) if bounds else None


def _bound_text(bound: tuple[Any, bool], lower: bool) -> str:
    value, exclusive = bound
    keyword = (
        ("exclusiveMinimum" if exclusive else "minimum") if lower else ("exclusiveMaximum" if exclusive else "maximum")
    )
    return f"{keyword} {value}"


class _Walk:
    def __init__(self, old_root: Schema, new_root: Schema) -> None:
        self.old_root = old_root
        self.new_root = new_root

    # --- reading a schema ------------------------------------------------------------------------------

    @staticmethod
    def _resolve(node: Schema, root: Schema) -> Schema:  # noqa: C901 - one loop over JSON Schema's two indirections
        """Follow ``$ref``s (keeping a ref's sibling keywords) and merge ``allOf`` members into one schema."""
        seen: set[str] = set()
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#/") or ref in seen:
                raise ValueError(f"cannot resolve $ref {ref!r}: only local, non-circular references are supported")
            seen.add(ref)
            target: Any = root
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                if not isinstance(target, dict) or part not in target:
                    raise ValueError(f"cannot resolve $ref {ref!r}")
                target = target[part]
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            node = target if not siblings else ({**target, **siblings} if isinstance(target, dict) else target)
        if isinstance(node, dict) and "allOf" in node:
            merged = {k: v for k, v in node.items() if k != "allOf"}
            for member in node["allOf"]:
                member = _Walk._resolve(member, root)
                if member is False:
                    return False
                if member is True:
                    continue
                for key, value in member.items():
                    if key == "properties":
                        merged["properties"] = {**merged.get("properties", {}), **value}
                    elif key == "required":
                        merged["required"] = sorted({*merged.get("required", []), *value})
                    else:
                        merged.setdefault(key, value)
            node = merged
        return node

    def _branches(self, node: Schema, root: Schema) -> list[dict[str, Any]]:
        """The alternatives a schema offers: its anyOf/oneOf members (with the keywords beside them), or itself."""
        node = self._resolve(node, root)
        if node is True:
            return [{}]
        if node is False:
            return []
        alternatives = node.get("anyOf", node.get("oneOf"))
        if alternatives is None:
            return [node]
        beside = {k: v for k, v in node.items() if k not in ("anyOf", "oneOf")}
        branches = []
        for alternative in alternatives:
            for branch in self._branches(alternative, root):
                branches.append({**beside, **branch})
        return branches

    # --- comparing ---------------------------------------------------------------------------------------

    def node(self, path: str, old: Schema, new: Schema, stack: frozenset[tuple[Any, Any]]) -> list[str]:
        # A recursive model refers to itself: stop when the same pair of references comes round again.
        key = (
            old.get("$ref") if isinstance(old, dict) else None,
            new.get("$ref") if isinstance(new, dict) else None,
        )
        if key != (None, None):
            if key in stack:
                return []
            stack = stack | {key}
        old_branches = self._branches(old, self.old_root)
        new_branches = self._branches(new, self.new_root)
        if any(_accepts_anything(b) for b in new_branches):
            return []  # nothing to narrow (and the end of the walk through unconstrained items)
        old_types = set().union(*(_types(b) for b in old_branches)) if old_branches else set()
        new_types = set().union(*(_types(b) for b in new_branches)) if new_branches else set()
        findings: list[str] = []
        lost: set[str] = set()
        for old_branch in old_branches:
            for json_type in sorted(_types(old_branch)):
                candidates = [b for b in new_branches if json_type in _types(b)]
                if not candidates:
                    lost.add(json_type)
                    continue
                # Any one new alternative that takes everything this one took is enough.
                results = [self._typed(path, json_type, old_branch, b, stack) for b in candidates]
                best: list[str] = min(results, key=len)
                findings += best
        if lost:
            if not new_types:
                findings.insert(0, f"{path}: accepts nothing any more (was {_describe(old_types)})")
            elif old_types >= ALL_TYPES:
                findings.insert(0, f"{path}: type narrowed from any to {_describe(new_types)}")
            else:
                findings.insert(
                    0,
                    f"{path}: type narrowed from {_describe(old_types)} to {_describe(new_types)}: "
                    f"{', '.join(_lost_text(t, new_types) for t in sorted(lost))} no longer accepted",
                )
        return findings

    def _typed(
        self, path: str, json_type: str, old: dict[str, Any], new: dict[str, Any], stack: frozenset[tuple[Any, Any]]
    ) -> list[str]:
        """Findings for the values of one JSON type that ``old`` accepted, checked against ``new``."""
        findings = self._values(path, json_type, old, new)
        if json_type == "string":
            findings += self._string(path, old, new)
        elif json_type in ("integer", "number"):
            findings += self._number(path, old, new)
        elif json_type == "array":
            findings += self._array(path, old, new, stack)
        elif json_type == "object":
            findings += self._object(path, old, new, stack)
        return findings

    @staticmethod
    def _values(path: str, json_type: str, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
        new_values = _allowed_values(new)
        if new_values is None:
            return []
        keyword = "const" if "const" in new else "enum"
        new_of_type = [v for v in new_values if _value_type(v) == json_type]
        old_values = _allowed_values(old)
        if old_values is None:
            shown = ", ".join(json.dumps(v, ensure_ascii=False) for v in new_of_type)
            return [f"{path}: {keyword} added: only {shown} allowed"]
        allowed = {_canonical(v) for v in new_of_type}
        lost = [v for v in old_values if _value_type(v) == json_type and _canonical(v) not in allowed]
        return [f"{path}: {keyword} no longer allows {json.dumps(v, ensure_ascii=False)}" for v in lost]

    @staticmethod
    def _minimums(path: str, old: dict[str, Any], new: dict[str, Any], keywords: tuple[str, ...]) -> list[str]:
        findings = []
        for keyword in keywords:
            if keyword in new and new[keyword] > old.get(keyword, 0):
                what = f"raised from {old[keyword]} to {new[keyword]}" if keyword in old else f"{new[keyword]} added"
                findings.append(f"{path}: {keyword} {what}")
        return findings

    @staticmethod
    def _maximums(path: str, old: dict[str, Any], new: dict[str, Any], keywords: tuple[str, ...]) -> list[str]:
        findings = []
        for keyword in keywords:
            if keyword in new and (keyword not in old or new[keyword] < old[keyword]):
                what = f"lowered from {old[keyword]} to {new[keyword]}" if keyword in old else f"{new[keyword]} added"
                findings.append(f"{path}: {keyword} {what}")
        return findings

    def _string(self, path: str, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
        findings = self._minimums(path, old, new, ("minLength",))
        findings += self._maximums(path, old, new, ("maxLength",))
        for keyword in ("pattern", "format"):
            if keyword in new and new[keyword] != old.get(keyword):
                if keyword in old:
                    findings.append(f"{path}: {keyword} changed from {old[keyword]!r} to {new[keyword]!r}")
                else:
                    findings.append(f"{path}: {keyword} {new[keyword]!r} added")
        return findings

    @staticmethod
    def _number(path: str, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
        findings = []
        old_low, new_low = _lower_bound(old), _lower_bound(new)
        if new_low is not None and (old_low is None or (new_low[0], new_low[1]) > (old_low[0], old_low[1])):
            was = f" (was {_bound_text(old_low, lower=True)})" if old_low else ""
            findings.append(f"{path}: lower bound raised to {_bound_text(new_low, lower=True)}{was}")
        old_high, new_high = _upper_bound(old), _upper_bound(new)
        if new_high is not None and (
            old_high is None or (new_high[0], not new_high[1]) < (old_high[0], not old_high[1])
        ):
            was = f" (was {_bound_text(old_high, lower=False)})" if old_high else ""
            findings.append(f"{path}: upper bound lowered to {_bound_text(new_high, lower=False)}{was}")
        if "multipleOf" in new:
            old_step = old.get("multipleOf")
            if old_step is None or Decimal(str(old_step)) % Decimal(str(new["multipleOf"])) != 0:
                was = f" (was {old_step})" if old_step is not None else ""
                findings.append(f"{path}: multipleOf {new['multipleOf']} added{was}")
        return findings

    def _array(
        self, path: str, old: dict[str, Any], new: dict[str, Any], stack: frozenset[tuple[Any, Any]]
    ) -> list[str]:
        findings = self._minimums(path, old, new, ("minItems",))
        findings += self._maximums(path, old, new, ("maxItems",))
        if new.get("uniqueItems") is True and old.get("uniqueItems") is not True:
            findings.append(f"{path}: uniqueItems added")
        if "contains" in new and "contains" not in old:
            findings.append(f"{path}: contains added")
        old_items = old.get("items", True) if not isinstance(old.get("items"), list) else True
        new_items = new.get("items", True) if not isinstance(new.get("items"), list) else True
        old_prefix, new_prefix = old.get("prefixItems", []), new.get("prefixItems", [])
        for i in range(max(len(old_prefix), len(new_prefix))):
            findings += self.node(
                f"{path}[{i}]",
                old_prefix[i] if i < len(old_prefix) else old_items,
                new_prefix[i] if i < len(new_prefix) else new_items,
                stack,
            )
        findings += self.node(f"{path}[]", old_items, new_items, stack)
        return findings

    def _object(
        self, path: str, old: dict[str, Any], new: dict[str, Any], stack: frozenset[tuple[Any, Any]]
    ) -> list[str]:
        findings = self._minimums(path, old, new, ("minProperties",))
        findings += self._maximums(path, old, new, ("maxProperties",))
        old_required = set(old.get("required", []))
        for name in new.get("required", []):
            if name not in old_required:
                findings.append(f"{path}.{name}: property newly required")
        old_properties, new_properties = old.get("properties", {}), new.get("properties", {})
        for name, old_property in old_properties.items():
            if name not in new_properties:
                findings.append(f"{path}.{name}: property removed")
            else:
                findings += self.node(f"{path}.{name}", old_property, new_properties[name], stack)
        old_extra, new_extra = old.get("additionalProperties", True), new.get("additionalProperties", True)
        if new_extra is False and old_extra is not False:
            findings.append(f"{path}: additionalProperties forbidden (properties not named are refused)")
        elif old_extra is not False and new_extra is not True:
            findings += self.node(f"{path}.*", old_extra, new_extra, stack)
        if "propertyNames" in new:
            findings += self.node(
                f"{path} (property names)", old.get("propertyNames", True), new["propertyNames"], stack
            )
        return findings
