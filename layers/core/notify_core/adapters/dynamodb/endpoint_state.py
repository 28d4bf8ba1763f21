"""A webhook endpoint's health on its settings item: plain conditional UpdateItem calls, never a read.

``services.endpoint_health`` decides (streaks, the disable window, alerts); this adapter only writes. Every key
names the org: an endpoint of another org cannot be touched.
"""

from __future__ import annotations

from typing import Any

from notify_core.adapters.dynamodb.settings_table import endpoint_sk


class EndpointStateTable:
    def __init__(self, dynamodb: Any, table_name: str) -> None:
        self.ddb = dynamodb
        self.table_name = table_name

    def record_success(self, org_id: str, endpoint_id: str, now: str) -> bool:
        """End a failure streak and note the success; False if the endpoint is gone."""
        return (
            self._update(org_id, endpoint_id, "SET last_success_at = :now REMOVE failing_since", {":now": {"S": now}})
            is not None
        )

    def start_failure_streak(self, org_id: str, endpoint_id: str, now: str) -> str | None:
        """The first failure of the current streak (``now`` unless one was recorded); None if the endpoint is
        disabled or gone."""
        attrs = self._update(
            org_id,
            endpoint_id,
            "SET failing_since = if_not_exists(failing_since, :now)",
            {":now": {"S": now}, ":true": {"BOOL": True}},
            condition="enabled = :true",
            # ALL_NEW, not UPDATED_NEW: when if_not_exists keeps the streak's first failure, moto returns no
            # attribute for it under UPDATED_NEW. The endpoint item is small and holds no secret.
            returns="ALL_NEW",
        )
        return None if attrs is None else str(attrs["failing_since"]["S"])

    def disable(self, org_id: str, endpoint_id: str, reason: str, now: str, failing_since: str | None) -> bool:
        """Disable an enabled endpoint (only if its streak is still ``failing_since``, when given): of many
        senders seeing it fail, one wins."""
        condition = "enabled = :true"
        values: dict[str, Any] = {
            ":true": {"BOOL": True},
            ":false": {"BOOL": False},
            ":why": {"S": reason},
            ":now": {"S": now},
        }
        if failing_since is not None:
            condition += " AND failing_since = :since"
            values[":since"] = {"S": failing_since}
        return (
            self._update(
                org_id,
                endpoint_id,
                "SET enabled = :false, disabled_reason = :why, disabled_at = :now",
                values,
                condition=condition,
            )
            is not None
        )

    def _update(
        self,
        org_id: str,
        endpoint_id: str,
        expression: str,
        values: dict[str, Any],
        *,
        condition: str = "",
        returns: str = "NONE",
    ) -> dict[str, Any] | None:
        """One conditional UpdateItem on the endpoint item; None if the item is gone or the condition failed."""
        cond = "attribute_exists(sk)" + (f" AND {condition}" if condition else "")
        try:
            resp = self.ddb.update_item(
                TableName=self.table_name,
                Key={"org_id": {"S": org_id}, "sk": {"S": endpoint_sk(endpoint_id)}},
                UpdateExpression=expression,
                ConditionExpression=cond,
                ExpressionAttributeValues=values,
                ReturnValues=returns,
            )
        except self.ddb.exceptions.ConditionalCheckFailedException:
            return None
        return dict(resp.get("Attributes", {}))
