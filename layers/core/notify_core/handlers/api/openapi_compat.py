"""What a new OpenAPI document of the admin API takes away from clients of the old one.

A change is **breaking** when a client that worked against the old document may fail against the new one:

- a route (path + method) is gone;
- a parameter is gone, or is newly required;
- what a request may carry is narrowed: a body or parameter accepts a property, an enum value, a type, a length
  or a range less than before, a property becomes required, a pattern is added or changed, extra properties become
  forbidden;
- what a response carries is narrowed: a property is gone or no longer always there, a type changed.

Additive changes (a route, an optional parameter or property, an enum value accepted) are not. ``scripts/openapi.py
--write`` refuses a breaking change unless the major of ``info.version`` (``handlers.api.app.API_VERSION``) is
bumped; a unit test keeps the committed document and the code's in step.
"""

from __future__ import annotations

from typing import Any

METHODS = ("get", "put", "post", "delete", "patch")
_LOWER_BOUNDS = ("minLength", "minimum", "exclusiveMinimum", "minItems")
_UPPER_BOUNDS = ("maxLength", "maximum", "exclusiveMaximum", "maxItems")


def major(doc: dict[str, Any]) -> int:
    return int(str(doc.get("info", {}).get("version", "0")).split(".")[0])


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    for path, old_ops in old.get("paths", {}).items():
        new_ops = new.get("paths", {}).get(path, {})
        for method in METHODS:
            if method not in old_ops:
                continue
            where = f"{method.upper()} {path}"
            if method not in new_ops:
                problems.append(f"{where}: route removed")
                continue
            problems += _operation(old, new, old_ops[method], new_ops[method], where)
    return problems


def _operation(old: dict, new: dict, o: dict, n: dict, where: str) -> list[str]:
    return _parameters(old, new, o, n, where) + _bodies(old, new, o, n, where)


def _parameters(old: dict, new: dict, o: dict, n: dict, where: str) -> list[str]:
    problems: list[str] = []
    old_params = {(p["in"], p["name"]): p for p in o.get("parameters", [])}
    new_params = {(p["in"], p["name"]): p for p in n.get("parameters", [])}
    for key, p in old_params.items():
        label = f"{where} {key[0]} parameter {key[1]!r}"
        if key not in new_params:
            problems.append(f"{label}: removed")
            continue
        if new_params[key].get("required") and not p.get("required"):
            problems.append(f"{label}: now required")
        problems += _accepts(old, new, p.get("schema", {}), new_params[key].get("schema", {}), label)
    for key, p in new_params.items():
        if key not in old_params and p.get("required"):
            problems.append(f"{where} {key[0]} parameter {key[1]!r}: new and required")
    return problems


def _bodies(old: dict, new: dict, o: dict, n: dict, where: str) -> list[str]:
    problems: list[str] = []
    old_body = _json_schema(o.get("requestBody", {}))
    new_body = _json_schema(n.get("requestBody", {}))
    if old_body is not None:
        if new_body is None:
            problems.append(f"{where} request body: no longer accepted")
        else:
            problems += _accepts(old, new, old_body, new_body, f"{where} request body")
    elif new_body is not None and n.get("requestBody", {}).get("required"):
        problems.append(f"{where} request body: new and required")
    for status, response in o.get("responses", {}).items():
        if not str(status).startswith("2"):
            continue
        old_schema = _json_schema(response)
        new_response = n.get("responses", {}).get(status)
        if new_response is None:
            problems.append(f"{where} response {status}: removed")
            continue
        new_schema = _json_schema(new_response)
        if old_schema is not None and new_schema is not None:
            problems += _gives(old, new, old_schema, new_schema, f"{where} response {status}")
    return problems


def _json_schema(part: dict[str, Any]) -> dict[str, Any] | None:
    content = part.get("content", {})
    media = content.get("application/json")
    return None if media is None else media.get("schema", {})


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    seen = 0
    while "$ref" in schema and seen < 20:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc.get("components", {}).get("schemas", {}).get(name, {})
        seen += 1
    return schema


def _variants(schema: dict[str, Any]) -> list[dict[str, Any]] | None:
    return schema.get("anyOf") or schema.get("oneOf")


def _accepts(old_doc: dict, new_doc: dict, old: dict, new: dict, where: str, depth: int = 0) -> list[str]:  # noqa: C901 - one check per JSON Schema keyword, read as the list it is
    """What ``new`` no longer accepts of what ``old`` did (request direction)."""
    if depth > 30:
        return []
    old, new = _resolve(old_doc, old), _resolve(new_doc, new)
    problems: list[str] = []
    ov, nv = _variants(old), _variants(new)
    if ov is not None or nv is not None:
        ov, nv = ov or [old], nv or [new]
        old_types = {_resolve(old_doc, v).get("type") for v in ov}
        new_types = {_resolve(new_doc, v).get("type") for v in nv}
        if old_types - new_types:
            problems.append(f"{where}: no longer accepts {sorted(str(t) for t in old_types - new_types)}")
        for o in ov:
            match = next((n for n in nv if _resolve(new_doc, n).get("type") == _resolve(old_doc, o).get("type")), None)
            if match is not None:
                problems += _accepts(old_doc, new_doc, o, match, where, depth + 1)
        return problems
    if "type" in old and "type" in new and old["type"] != new["type"]:
        return [f"{where}: type {old['type']} became {new['type']}"]
    if "type" not in old and "type" in new:
        problems.append(f"{where}: now only {new['type']}")
    if "enum" in new:
        dropped = set(map(str, old.get("enum", []))) - set(map(str, new["enum"])) if "enum" in old else {"(any)"}
        if dropped:
            problems.append(f"{where}: values no longer accepted {sorted(dropped)}")
    if "const" in new and old.get("const") != new["const"]:
        problems.append(f"{where}: only {new['const']!r} now")
    for bound in _LOWER_BOUNDS:
        if bound in new and (bound not in old or new[bound] > old[bound]):
            problems.append(f"{where}: {bound} raised to {new[bound]}")
    for bound in _UPPER_BOUNDS:
        if bound in new and (bound not in old or new[bound] < old[bound]):
            problems.append(f"{where}: {bound} lowered to {new[bound]}")
    if "pattern" in new and new["pattern"] != old.get("pattern"):
        problems.append(f"{where}: pattern {new['pattern']!r} added")
    if new.get("additionalProperties") is False and old.get("additionalProperties", True) is not False:
        problems.append(f"{where}: extra properties now refused")
    newly_required = set(new.get("required", [])) - set(old.get("required", []))
    if newly_required:
        problems.append(f"{where}: now requires {sorted(newly_required)}")
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name, schema in old_props.items():
        if name not in new_props:
            if new.get("additionalProperties") is False or new_props:
                problems.append(f"{where}.{name}: no longer accepted")
            continue
        problems += _accepts(old_doc, new_doc, schema, new_props[name], f"{where}.{name}", depth + 1)
    if "items" in old and "items" in new:
        problems += _accepts(old_doc, new_doc, old["items"], new["items"], f"{where}[]", depth + 1)
    return problems


def _gives(old_doc: dict, new_doc: dict, old: dict, new: dict, where: str, depth: int = 0) -> list[str]:
    """What ``new`` no longer gives of what ``old`` did (response direction)."""
    if depth > 30:
        return []
    old, new = _resolve(old_doc, old), _resolve(new_doc, new)
    problems: list[str] = []
    if "type" in old and "type" in new and old["type"] != new["type"]:
        return [f"{where}: type {old['type']} became {new['type']}"]
    no_longer = set(old.get("required", [])) - set(new.get("required", []))
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name in sorted(old_props):
        if name not in new_props:
            problems.append(f"{where}.{name}: removed")
        elif name in no_longer:
            problems.append(f"{where}.{name}: no longer always given")
        if name in new_props:
            problems += _gives(old_doc, new_doc, old_props[name], new_props[name], f"{where}.{name}", depth + 1)
    if "items" in old and "items" in new:
        problems += _gives(old_doc, new_doc, old["items"], new["items"], f"{where}[]", depth + 1)
    return problems
