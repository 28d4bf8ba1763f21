"""Applying and exporting an org's settings document.

Applying *replaces* the org's settings: items not in the document are deleted. Secrets never go into the
table: the Slack URL and the Telegram bot token go to SSM (SecureString), and export leaves them out. Webhook
secrets: a ``secret`` in the document is written to SSM; an endpoint without one gets a generated secret
(returned once, so it can be handed to the receiver) unless it already has one.
"""

from __future__ import annotations

from typing import Any, Protocol

from notify_core.domain import signing
from notify_core.domain.settings_document import ApplyResult, SettingsDocument, from_directory, to_directory
from notify_core.services.ports import SettingsStore

SLACK, TELEGRAM = "slack", "telegram"


class SecretStore(Protocol):
    def put(self, name: str, value: str) -> None: ...

    def put_if_absent(self, name: str, value: str) -> bool: ...

    def put_plain(self, name: str, value: str) -> None: ...


class SecretNames(Protocol):
    """Where an org's secrets live (``adapters.ssm.parameter_name`` with the deployment's prefixes)."""

    def webhook(self, org_id: str, endpoint_id: str) -> str: ...

    def chat(self, org_id: str, which: str) -> str: ...


class SettingsAdmin:
    def __init__(self, *, store: SettingsStore, secrets: SecretStore, names: SecretNames) -> None:
        self.store = store
        self.secrets = secrets
        self.names = names

    def apply(self, doc: SettingsDocument) -> ApplyResult:
        generated: dict[str, str] = {}
        for e in doc.webhook_endpoints:
            name = self.names.webhook(doc.org_id, e.id)
            if e.secret:
                # A secret set by the document is the one secret: slot "a", alone (domain.signing.SecretState).
                self.secrets.put(name, e.secret)
                self.secrets.put_plain(signing.state_name(name), signing.SecretState().dump())
                continue
            secret = signing.new_secret()
            if self.secrets.put_if_absent(name, secret):
                generated[e.id] = secret
        if doc.slack and doc.slack.webhook_url:
            self.secrets.put(self.names.chat(doc.org_id, SLACK), doc.slack.webhook_url)
        if doc.telegram and doc.telegram.bot_token:
            self.secrets.put(self.names.chat(doc.org_id, TELEGRAM), doc.telegram.bot_token)
        directory = to_directory(doc, self.names.webhook)
        written, deleted = self.store.replace_directory(directory)
        return ApplyResult(org_id=doc.org_id, written=written, deleted=deleted, generated_secrets=generated)

    def export(self, org_id: str) -> dict[str, Any]:
        """The org's settings as a document (secrets left out: they stay in SSM)."""
        directory = self.store.directory(org_id)
        if directory is None:
            return {"org_id": org_id, "contacts": [], "webhook_endpoints": [], "subscriptions": []}
        return from_directory(directory)
