"""The compatibility check: which schema changes refuse data a producer could send before."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field

from notify_core.domain.catalog.compat import breaking_changes

pytestmark = pytest.mark.unit

S: dict[str, Any] = {"type": "string"}
OPTIONAL_S: dict[str, Any] = {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}


def obj(required: tuple[str, ...] = (), **properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(required), "additionalProperties": True}


# (old, new, a finding that must be among those reported)
BREAKING = {
    "property removed": (obj(("a",), a=S, b=S), obj(("a",), a=S), "$.b: property removed"),
    "optional property made required": (obj(a=S), obj(("a",), a=S), "$.a: property newly required"),
    "new required property": (obj(a=S), obj(("b",), a=S, b=S), "$.b: property newly required"),
    "anyOf loses null": (obj(a=OPTIONAL_S), obj(a=S), "$.a: type narrowed from null|string to string: null no"),
    "type list loses null": ({"type": ["string", "null"]}, S, "$: type narrowed from null|string to string"),
    "number to integer": ({"type": "number"}, {"type": "integer"}, "non-integer number no longer accepted"),
    "any to string": ({}, S, "$: type narrowed from any to string"),
    "anyOf loses a branch": (
        {"anyOf": [{"type": "number"}, {"type": "string"}]},
        {"type": "number"},
        "string no longer accepted",
    ),
    "enum loses a value": (
        {"type": "string", "enum": ["a", "b", "c"]},
        {"type": "string", "enum": ["a", "b"]},
        '$: enum no longer allows "c"',
    ),
    "const changed": ({"const": "v1"}, {"const": "v2"}, '$: const no longer allows "v1"'),
    "enum added": (S, {"type": "string", "enum": ["a"]}, '$: enum added: only "a" allowed'),
    "pattern added": (S, {"type": "string", "pattern": "^[A-Z]{3}$"}, "$: pattern '^[A-Z]{3}$' added"),
    "pattern changed": (
        {"type": "string", "pattern": "^[A-Z]+$"},
        {"type": "string", "pattern": "^[A-Z]{3}$"},
        "$: pattern changed from '^[A-Z]+$' to '^[A-Z]{3}$'",
    ),
    "format added": (S, {"type": "string", "format": "date-time"}, "$: format 'date-time' added"),
    "format changed": (
        {"type": "string", "format": "date-time"},
        {"type": "string", "format": "date"},
        "$: format changed",
    ),
    "minLength added": (S, {"type": "string", "minLength": 1}, "$: minLength 1 added"),
    "minLength raised": (
        {"type": "string", "minLength": 1},
        {"type": "string", "minLength": 2},
        "$: minLength raised from 1 to 2",
    ),
    "maxLength added": (S, {"type": "string", "maxLength": 10}, "$: maxLength 10 added"),
    "maxLength lowered": (
        {"type": "string", "maxLength": 10},
        {"type": "string", "maxLength": 9},
        "$: maxLength lowered from 10 to 9",
    ),
    "minimum added": ({"type": "integer"}, {"type": "integer", "minimum": 0}, "$: lower bound raised to minimum 0"),
    "minimum raised": (
        {"type": "integer", "minimum": 0},
        {"type": "integer", "minimum": 1},
        "$: lower bound raised to minimum 1 (was minimum 0)",
    ),
    "minimum made exclusive": (
        {"type": "number", "minimum": 0},
        {"type": "number", "exclusiveMinimum": 0},
        "$: lower bound raised to exclusiveMinimum 0 (was minimum 0)",
    ),
    "exclusiveMinimum raised": (
        {"type": "number", "exclusiveMinimum": 0},
        {"type": "number", "exclusiveMinimum": 1},
        "to exclusiveMinimum 1",
    ),
    "maximum added": ({"type": "integer"}, {"type": "integer", "maximum": 9}, "$: upper bound lowered to maximum 9"),
    "maximum lowered": (
        {"type": "integer", "maximum": 9},
        {"type": "integer", "maximum": 8},
        "$: upper bound lowered to maximum 8 (was maximum 9)",
    ),
    "maximum made exclusive": (
        {"type": "integer", "maximum": 9},
        {"type": "integer", "exclusiveMaximum": 9},
        "to exclusiveMaximum 9",
    ),
    "multipleOf added": ({"type": "number"}, {"type": "number", "multipleOf": 0.01}, "$: multipleOf 0.01 added"),
    "minItems added": ({"type": "array"}, {"type": "array", "minItems": 1}, "$: minItems 1 added"),
    "minItems raised": ({"type": "array", "minItems": 1}, {"type": "array", "minItems": 2}, "minItems raised"),
    "maxItems added": ({"type": "array"}, {"type": "array", "maxItems": 5}, "$: maxItems 5 added"),
    "maxItems lowered": ({"type": "array", "maxItems": 5}, {"type": "array", "maxItems": 4}, "maxItems lowered"),
    "uniqueItems added": ({"type": "array"}, {"type": "array", "uniqueItems": True}, "$: uniqueItems added"),
    "additionalProperties forbidden": (
        obj(a=S),
        {**obj(a=S), "additionalProperties": False},
        "$: additionalProperties forbidden",
    ),
    "additionalProperties absent then forbidden": (
        {"type": "object"},
        {"type": "object", "additionalProperties": False},
        "$: additionalProperties forbidden",
    ),
    "additionalProperties typed": (obj(a=S), {**obj(a=S), "additionalProperties": S}, "$.*: type narrowed from any"),
    "nested property narrowed": (
        obj(inner=obj(x=OPTIONAL_S)),
        obj(inner=obj(("x",), x=S)),
        "$.inner.x: property newly required",
    ),
    "array items narrowed": (
        obj(tags={"type": "array", "items": S}),
        obj(tags={"type": "array", "items": {"type": "string", "maxLength": 3}}),
        "$.tags[]: maxLength 3 added",
    ),
    "items of items narrowed": (
        {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}},
        {"type": "array", "items": {"type": "array", "items": {"type": "integer", "minimum": 1}}},
        "$[][]: lower bound raised to minimum 1",
    ),
    "prefixItems narrowed": (
        {"type": "array", "prefixItems": [S, S]},
        {"type": "array", "prefixItems": [S, {"type": "string", "minLength": 1}]},
        "$[1]: minLength 1 added",
    ),
    "property names constrained": (
        {"type": "object"},
        {"type": "object", "propertyNames": {"pattern": "^[a-z]+$"}},
        "$ (property names): pattern '^[a-z]+$' added",
    ),
    "nothing accepted": ({"type": "object"}, False, "$: accepts nothing any more (was object)"),
    "allOf member narrowed": (
        {"allOf": [obj(a=S)]},
        {"allOf": [obj(a=S), obj(("a",))]},
        "$.a: property newly required",
    ),
}

COMPATIBLE = {
    "identical": (obj(("a",), a=S), obj(("a",), a=S)),
    "new optional property": (obj(("a",), a=S), obj(("a",), a=S, b=OPTIONAL_S)),
    "required made optional": (obj(("a",), a=S), obj(a=S)),
    "string widened to string|null": (obj(a=S), obj(a=OPTIONAL_S)),
    "type list widened": (S, {"type": ["string", "null"]}),
    "integer widened to number": ({"type": "integer"}, {"type": "number"}),
    "typed to any": (S, {}),
    "enum gains a value": ({"type": "string", "enum": ["a"]}, {"type": "string", "enum": ["a", "b"]}),
    "enum dropped": ({"type": "string", "enum": ["a"]}, S),
    "const to enum containing it": ({"const": "a"}, {"enum": ["a", "b"]}),
    "integer enum given a type": ({"enum": [1, 2]}, {"type": "integer", "enum": [1, 2, 3]}),
    "pattern removed": ({"type": "string", "pattern": "^a$"}, S),
    "format removed": ({"type": "string", "format": "date"}, S),
    "minLength lowered": ({"type": "string", "minLength": 2}, {"type": "string", "minLength": 1}),
    "minLength 0 added": (S, {"type": "string", "minLength": 0}),
    "maxLength raised": ({"type": "string", "maxLength": 2}, {"type": "string", "maxLength": 3}),
    "minimum removed": ({"type": "integer", "minimum": 1}, {"type": "integer"}),
    "exclusive minimum made inclusive": (
        {"type": "number", "exclusiveMinimum": 0},
        {"type": "number", "minimum": 0},
    ),
    "maximum raised": ({"type": "integer", "maximum": 1}, {"type": "integer", "maximum": 2}),
    "multipleOf relaxed": ({"type": "number", "multipleOf": 0.1}, {"type": "number", "multipleOf": 0.01}),
    "minItems lowered": ({"type": "array", "minItems": 2}, {"type": "array", "minItems": 1}),
    "maxItems raised": ({"type": "array", "maxItems": 2}, {"type": "array", "maxItems": 3}),
    "additionalProperties allowed": ({**obj(a=S), "additionalProperties": False}, obj(a=S)),
    "annotations changed": (
        {"type": "string", "title": "A", "description": "old", "default": "x", "examples": ["x"]},
        {"type": "string", "title": "B", "description": "new", "default": "y", "$comment": "why"},
    ),
    "anyOf order changed": (
        {"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 0}]},
        {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "string"}]},
    ),
    "a $def renamed": (
        {"$defs": {"A": obj(x=S)}, "type": "object", "properties": {"a": {"$ref": "#/$defs/A"}}},
        {"$defs": {"B": obj(x=S)}, "type": "object", "properties": {"a": {"$ref": "#/$defs/B"}}},
    ),
    "inlined instead of a $ref": (
        {"$defs": {"A": obj(x=S)}, "type": "object", "properties": {"a": {"$ref": "#/$defs/A"}}},
        {"type": "object", "properties": {"a": obj(x=S, y=OPTIONAL_S)}},
    ),
    "nothing accepted before": (False, {"type": "string", "maxLength": 1}),
}


@pytest.mark.parametrize(("old", "new", "finding"), BREAKING.values(), ids=BREAKING.keys())
def test_each_breaking_kind_is_found(old, new, finding):
    findings = breaking_changes(old, new)
    assert any(finding in f for f in findings), findings


@pytest.mark.parametrize(("old", "new"), COMPATIBLE.values(), ids=COMPATIBLE.keys())
def test_each_additive_kind_is_compatible(old, new):
    assert breaking_changes(old, new) == []


# --- on schemas pydantic generates: $ref/$defs, Optional models, lists of models, recursion ---------


class LineV1(BaseModel):
    model_config = ConfigDict(extra="allow")
    sku: str
    quantity: int = Field(ge=1)
    note: str | None = None


class OrderV1(BaseModel):
    model_config = ConfigDict(extra="allow")
    lines: list[LineV1]
    batches: list[list[LineV1]] = []
    billing: LineV1 | None = None
    amount: Decimal = Field(ge=0)
    status: Literal["new", "paid"]


class LineV2(BaseModel):  # quantity tightened, note made required
    model_config = ConfigDict(extra="allow")
    sku: str
    quantity: int = Field(ge=2)
    note: str


class OrderV2(BaseModel):
    model_config = ConfigDict(extra="allow")
    lines: list[LineV2]
    batches: list[list[LineV2]] = []
    billing: LineV2 | None = None
    amount: Decimal = Field(ge=0)
    status: Literal["new", "paid"]


class OrderV1Plus(BaseModel):  # additive: a wider status, a new optional fact, a relaxed amount
    model_config = ConfigDict(extra="allow")
    lines: list[LineV1]
    batches: list[list[LineV1]] = []
    billing: LineV1 | None = None
    amount: Decimal
    status: Literal["new", "paid", "refunded"]
    channel: str | None = None


def test_refs_are_resolved_in_lists_lists_of_lists_and_optional_models():
    findings = breaking_changes(OrderV1.model_json_schema(), OrderV2.model_json_schema())
    for path in ("$.lines[]", "$.batches[][]", "$.billing"):
        assert f"{path}.quantity: lower bound raised to minimum 2 (was minimum 1)" in findings, findings
        assert f"{path}.note: property newly required" in findings, findings
        assert f"{path}.note: type narrowed from null|string to string: null no longer accepted" in findings


def test_pydantic_additive_changes_are_compatible():
    assert breaking_changes(OrderV1.model_json_schema(), OrderV1Plus.model_json_schema()) == []
    assert breaking_changes(OrderV1.model_json_schema(), OrderV1.model_json_schema()) == []


def test_going_back_from_the_additive_change_is_breaking():
    findings = breaking_changes(OrderV1Plus.model_json_schema(), OrderV1.model_json_schema())
    assert '$.status: enum no longer allows "refunded"' in findings
    assert "$.channel: property removed" in findings
    assert any(f.startswith("$.amount: lower bound raised to minimum 0") for f in findings), findings


class NodeV1(BaseModel):
    name: str
    children: list[NodeV1] = []


class NodeV2(BaseModel):
    name: str = Field(max_length=20)
    children: list[NodeV2] = []


def test_a_recursive_model_is_compared_without_looping():
    old, new = NodeV1.model_json_schema(), NodeV2.model_json_schema()
    assert "$ref" in old and "$ref" in str(old["$defs"])  # it really recurses through $defs
    assert breaking_changes(old, old) == []
    assert breaking_changes(old, new) == ["$.name: maxLength 20 added"]


def test_a_ref_outside_the_document_is_refused_rather_than_guessed():
    with pytest.raises(ValueError, match="cannot resolve"):
        breaking_changes({"$ref": "https://example.com/s.json"}, S)
    with pytest.raises(ValueError, match="cannot resolve"):
        breaking_changes({"$ref": "#/$defs/Missing"}, S)


def test_findings_name_every_narrowing_once():
    old = obj(("a",), a=S, b={"type": "integer", "minimum": 0}, c=S)
    new = obj(("a", "b"), a={"type": "string", "pattern": "^x"}, b={"type": "integer", "minimum": 1})
    assert breaking_changes(old, new) == [
        "$.b: property newly required",
        "$.a: pattern '^x' added",
        "$.b: lower bound raised to minimum 1 (was minimum 0)",
        "$.c: property removed",
    ]
