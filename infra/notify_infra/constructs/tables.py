"""DynamoDB tables from ``wiring.TABLES``."""

from __future__ import annotations

from aws_cdk import RemovalPolicy, Tags
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from notify_infra import wiring

_ATTRIBUTE_TYPES = {"S": dynamodb.AttributeType.STRING, "N": dynamodb.AttributeType.NUMBER}
# Tag carrying the wiring key: operators can find a resource by its logical name, and the infra tests
# compare the template against the wiring through it.
TAG = "notify:table"


def _attribute(key: tuple[str, wiring.KeyType] | None) -> dynamodb.Attribute | None:
    if key is None:
        return None
    name, kind = key
    return dynamodb.Attribute(name=name, type=_ATTRIBUTE_TYPES[kind])


class Tables(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self._tables: dict[str, dynamodb.Table] = {}
        for spec in wiring.TABLES:
            table = dynamodb.Table(
                self,
                spec.key,
                partition_key=_attribute(spec.partition_key),
                sort_key=_attribute(spec.sort_key),
                # Notification traffic is bursty (a product event fans out), on-demand needs no tuning.
                billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
                point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                    point_in_time_recovery_enabled=True
                ),
                encryption=dynamodb.TableEncryption.AWS_MANAGED,
                time_to_live_attribute=spec.ttl_attribute,
                # Settings and the delivery log are customer data: a stack delete must not drop them.
                removal_policy=RemovalPolicy.RETAIN,
            )
            for index in spec.indexes:
                table.add_global_secondary_index(
                    index_name=index.name,
                    partition_key=_attribute(index.partition_key),
                    sort_key=_attribute(index.sort_key),
                    projection_type=dynamodb.ProjectionType(index.projection),
                    non_key_attributes=list(index.include) or None,
                )
            Tags.of(table).add(TAG, spec.key)
            self._tables[spec.key] = table

    def table(self, key: str) -> dynamodb.Table:
        return self._tables[key]

    def index_names(self, key: str) -> tuple[str, ...]:
        return tuple(index.name for index in wiring.table(key).indexes)
