"""Helpers that read the synthesized template in the wiring's terms (keys, not logical ids)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_cdk.assertions import Template

from notify_infra.constructs import attachments, functions, queues, tables


@dataclass(frozen=True)
class Synth:
    template: Template
    template_json: dict[str, Any]
    report: dict[str, Any]

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.template_json["Resources"]

    def of_type(self, cfn_type: str) -> dict[str, dict[str, Any]]:
        return {lid: r for lid, r in self.resources.items() if r["Type"] == cfn_type}

    def by_tag(self, cfn_type: str, tag: str) -> dict[str, str]:
        """Wiring key -> logical id, for resources of ``cfn_type`` tagged ``tag`` by the constructs."""
        found: dict[str, str] = {}
        for lid, resource in self.of_type(cfn_type).items():
            for t in resource["Properties"].get("Tags", []):
                if t["Key"] == tag:
                    assert t["Value"] not in found, f"two {cfn_type} tagged {tag}={t['Value']}"
                    found[t["Value"]] = lid
        return found

    def queues(self) -> dict[str, str]:
        return self.by_tag("AWS::SQS::Queue", queues.TAG)

    def tables(self) -> dict[str, str]:
        return self.by_tag("AWS::DynamoDB::Table", tables.TAG)

    def buckets(self) -> dict[str, str]:
        return self.by_tag("AWS::S3::Bucket", attachments.TAG)

    def functions(self) -> dict[str, str]:
        return self.by_tag("AWS::Lambda::Function", functions.TAG)

    def function(self, key: str) -> dict[str, Any]:
        return self.resources[self.functions()[key]]["Properties"]

    def role_of(self, function_key: str) -> str:
        role = self.function(function_key)["Role"]
        return role["Fn::GetAtt"][0]

    def statements(self, function_key: str) -> list[dict[str, Any]]:
        """Every IAM statement attached to the function's role, across all its policies."""
        role = self.role_of(function_key)
        found: list[dict[str, Any]] = []
        for policy in self.of_type("AWS::IAM::Policy").values():
            if {"Ref": role} in policy["Properties"]["Roles"]:
                found += policy["Properties"]["PolicyDocument"]["Statement"]
        inline = self.resources[role]["Properties"].get("Policies", [])
        for policy in inline:
            found += policy["PolicyDocument"]["Statement"]
        return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def actions(statement: dict[str, Any]) -> set[str]:
    return set(as_list(statement["Action"]))


def referenced_ids(value: Any) -> set[str]:
    """Logical ids a CloudFormation value points at through Ref / Fn::GetAtt, at any depth."""
    if isinstance(value, dict):
        if "Ref" in value:
            return {value["Ref"]}
        if "Fn::GetAtt" in value:
            return {value["Fn::GetAtt"][0]}
        return set().union(*(referenced_ids(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(referenced_ids(v) for v in value)) if value else set()
    return set()


def resources_of(statements: list[dict[str, Any]], action: str) -> set[str]:
    """Logical ids of the resources granted ``action`` (literal, not wildcard, action names)."""
    ids: set[str] = set()
    for statement in statements:
        if statement["Effect"] == "Allow" and action in actions(statement):
            ids |= referenced_ids(statement["Resource"])
    return ids


def allowed_actions(statements: list[dict[str, Any]]) -> set[str]:
    return set().union(*(actions(s) for s in statements if s["Effect"] == "Allow"))
