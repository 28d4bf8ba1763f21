"""User-level settings that span every org a user belongs to (products.md §1: one email switch per user)."""

from __future__ import annotations

from collections.abc import Iterable

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute
from pynamodb.models import Model

from notify_core.adapters.dynamodb.binding import bind
from notify_core.domain.delivery import utcnow_iso


class UserItem(Model):
    user_id = UnicodeAttribute(hash_key=True)
    email_enabled = BooleanAttribute(default=True)
    updated_at = UnicodeAttribute(null=True)
    changed_by = UnicodeAttribute(null=True)  # who or what last changed it (an admin, a one-click unsubscribe)


class UsersTable:
    def __init__(self, table_name: str) -> None:
        self.Item = bind(UserItem, table_name)

    def set_email_enabled(self, user_id: str, enabled: bool) -> None:
        self.Item(user_id=user_id, email_enabled=enabled, updated_at=utcnow_iso()).save()

    def email_enabled(self, user_id: str) -> bool:
        try:
            return bool(self.Item.get(user_id, consistent_read=True).email_enabled)
        except self.Item.DoesNotExist:
            return True  # never changed: the default

    def switch_email_off(self, user_id: str, detail: str) -> bool:
        """The user's email switch off, recording who and why; False if it was off already (nothing written)."""
        from pynamodb.exceptions import PutError

        U = self.Item
        try:
            U(user_id=user_id, email_enabled=False, updated_at=utcnow_iso(), changed_by=detail[:500]).save(
                condition=U.email_enabled.does_not_exist() | (U.email_enabled == True)  # noqa: E712 (a condition)
            )
        except PutError as exc:
            if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def email_off(self, user_ids: Iterable[str]) -> set[str]:
        """The users among these who switched email off everywhere: one BatchGetItem per 100 users (users who
        never changed a setting have no item: the defaults apply)."""
        keys = sorted(set(user_ids))
        return {u.user_id for u in self.Item.batch_get(keys) if not u.email_enabled} if keys else set()
