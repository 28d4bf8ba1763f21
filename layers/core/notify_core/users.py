"""User-level settings that span every org a user belongs to (SEEDS §1: one email switch per user)."""

from __future__ import annotations

import os
from collections.abc import Iterable

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute
from pynamodb.models import Model

from notify_core.delivery_log import utcnow_iso


class UserSettings(Model):
    class Meta:
        table_name = os.environ.get("USERS_TABLE", "notify-users")

    user_id = UnicodeAttribute(hash_key=True)
    email_enabled = BooleanAttribute(default=True)
    updated_at = UnicodeAttribute(null=True)


def set_email_enabled(user_id: str, enabled: bool) -> None:
    UserSettings(user_id=user_id, email_enabled=enabled, updated_at=utcnow_iso()).save()


def load(user_ids: Iterable[str]) -> dict[str, UserSettings]:
    """One BatchGetItem per 100 users; users who never changed a setting have no item (defaults apply)."""
    keys = sorted(set(user_ids))
    return {u.user_id: u for u in UserSettings.batch_get(keys)} if keys else {}
