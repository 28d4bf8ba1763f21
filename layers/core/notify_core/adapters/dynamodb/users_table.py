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

    def email_off(self, user_ids: Iterable[str]) -> set[str]:
        """The users among these who switched email off everywhere: one BatchGetItem per 100 users (users who
        never changed a setting have no item: the defaults apply)."""
        keys = sorted(set(user_ids))
        return {u.user_id for u in self.Item.batch_get(keys) if not u.email_enabled} if keys else set()
