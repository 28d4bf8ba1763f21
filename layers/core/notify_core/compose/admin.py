"""The operator's composition: the adapters and services behind the ``notify`` CLI and the local runtime's
Python API (settings documents, replay, reports, SMS opt-outs, the user-level email switch, inboxes, the per-event
routing records).

Built from an environment like the functions (``AdminSettings``), but every name is optional: a command builds
only what it uses, and a missing name fails that command with the variable's name, not another one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cached_property

from notify_core.adapters import ssm
from notify_core.adapters.aws import AwsClients
from notify_core.adapters.dynamodb.deliveries_table import DeliveryLog
from notify_core.adapters.dynamodb.inbox_table import InboxTable
from notify_core.adapters.dynamodb.items_table import ItemsTable
from notify_core.adapters.dynamodb.routing_table import RoutingTable
from notify_core.adapters.dynamodb.settings_table import SettingsTable
from notify_core.adapters.dynamodb.suppressions_table import SuppressionsTable
from notify_core.adapters.dynamodb.users_table import UsersTable
from notify_core.adapters.sqs import DeliveryQueues
from notify_core.compose.unsubscribe import signing_key
from notify_core.config import (
    CHAT_SECRET_PREFIX,
    DELIVERIES_TABLE,
    INBOX_TABLE,
    ITEMS_TABLE,
    ROUTING_TABLE,
    SETTINGS_TABLE,
    SUPPRESSIONS_TABLE,
    UNSUBSCRIBE_KEY_PARAMETER,
    USERS_TABLE,
    WEBHOOK_SECRET_PREFIX,
    AdminSettings,
    ConfigurationError,
)
from notify_core.services.erasure import Eraser
from notify_core.services.replay import Replayer
from notify_core.services.reports import Reports
from notify_core.services.settings_admin import SettingsAdmin
from notify_core.services.unsubscribe import Unsubscriber


def _need(value: str | None, name: str) -> str:
    if not value:
        raise ConfigurationError(f"{name} is not set (give the option, --local or --stack, or set ${name})")
    return value


class Admin:
    def __init__(
        self,
        settings: AdminSettings,
        aws: AwsClients | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.s = settings
        self.aws = aws or AwsClients()
        self.clock = clock  # the local runtime's (settings applied on its clock); None: real time

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, clock: Callable[[], datetime] | None = None) -> Admin:
        return cls(AdminSettings.from_env(env), clock=clock)

    @cached_property
    def settings_table(self) -> SettingsTable:
        return SettingsTable(_need(self.s.settings_table, SETTINGS_TABLE), clock=self.clock)

    @cached_property
    def deliveries(self) -> DeliveryLog:
        return DeliveryLog(
            _need(self.s.deliveries_table, DELIVERIES_TABLE), retention_days=self.s.delivery_retention_days
        )

    @cached_property
    def suppressions(self) -> SuppressionsTable:
        return SuppressionsTable(_need(self.s.suppressions_table, SUPPRESSIONS_TABLE))

    @cached_property
    def users(self) -> UsersTable:
        return UsersTable(_need(self.s.users_table, USERS_TABLE))

    @cached_property
    def inbox(self) -> InboxTable:
        return InboxTable(_need(self.s.inbox_table, INBOX_TABLE))

    @cached_property
    def items(self) -> ItemsTable:
        """Pending items, their reminder series and audit trails (``notify items``)."""
        return ItemsTable(_need(self.s.items_table, ITEMS_TABLE), retention_days=self.s.delivery_retention_days)

    @cached_property
    def routing(self) -> RoutingTable:
        """The per-event routing records: configuration problems and refusals (``notify events``)."""
        return RoutingTable(_need(self.s.routing_table, ROUTING_TABLE), retention_days=self.s.delivery_retention_days)

    @cached_property
    def settings(self) -> SettingsAdmin:
        names = ssm.SecretNames(
            webhook_prefix=_need(self.s.webhook_secret_prefix, WEBHOOK_SECRET_PREFIX),
            chat_prefix=_need(self.s.chat_secret_prefix, CHAT_SECRET_PREFIX),
        )
        return SettingsAdmin(store=self.settings_table, secrets=ssm.SecretWriter(self.aws("ssm")), names=names)

    @cached_property
    def replayer(self) -> Replayer:
        urls = {
            key: url
            for key, url in (
                ("email", self.s.email_queue_url),
                ("sms", self.s.sms_queue_url),
                ("webhook", self.s.webhook_queue_url),
                ("chat", self.s.chat_queue_url),
            )
            if url
        }
        return Replayer(
            deliveries=self.deliveries, queues=DeliveryQueues(self.aws("sqs"), urls), settings=self.settings_table
        )

    @cached_property
    def reports(self) -> Reports:
        return Reports(self.deliveries)

    @cached_property
    def eraser(self) -> Eraser:
        """Forget one person in one org (``notify erase``; the admin API's ``POST /orgs/{org}/erasure``)."""
        return Eraser(
            documents=self.settings, deliveries=self.deliveries, inbox=self.inbox, suppressions=self.suppressions
        )

    @cached_property
    def unsubscriber(self) -> Unsubscriber:
        """One-click unsubscribe as the admin API's /unsubscribe route runs it (``handlers.unsubscribe_http``)."""
        return Unsubscriber(
            store=self.suppressions,
            users=self.users,
            key=signing_key(self.aws("ssm"), _need(self.s.unsubscribe_key_parameter, UNSUBSCRIBE_KEY_PARAMETER)),
            base_url=self.s.unsubscribe_url,
        )
