"""The admin API's templates resource: an org's own templates per event type x channel x locale.

Every call takes the ``Access`` the admin API decided (``services.admin_api.AdminApi.access``: the caller's member
item in that org), and reads and writes with that org id only. A save is checked first (``domain.org_templates``:
syntax, names against the catalog, SMS budget, size, the sandbox) and refused field by field; it then goes into the
settings table with the org's index of overrides (one transaction), which the router reads in the batch it already
makes. A preview renders through the same sandbox as a delivery; a test send queues a real email delivery to the
caller's own address, through the normal sender (recorded in the delivery log like any other).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import ValidationError

from notify_core.domain import admin_api as rules
from notify_core.domain import catalog, template_overrides
from notify_core.domain.admin_api import Access, Conflict, Invalid, NotFound
from notify_core.domain.delivery import delivery_id
from notify_core.domain.org_settings import Member, OrgProfile
from notify_core.domain.rendered import OrgSource, Rendered, TemplateRenderError
from notify_core.domain.template_overrides import OrgTemplate

if TYPE_CHECKING:
    from types import ModuleType


def _checks() -> ModuleType:
    """``domain.org_templates`` (Jinja2 and the sandbox): imported on the first templates call, not on the API's
    cold start (most of its requests never render)."""
    from notify_core.domain import org_templates

    return org_templates


class Store(Protocol):
    """``adapters.dynamodb.settings_table.SettingsTable``."""

    def templates(self, org_id: str) -> list[OrgTemplate]: ...

    def template(self, org_id: str, override: str) -> OrgTemplate | None: ...

    def put_template(self, t: OrgTemplate, *, replaces: int | None = ...) -> bool: ...

    def delete_template(self, org_id: str, override: str) -> bool: ...

    def profile(self, org_id: str) -> OrgProfile | None: ...

    def member(self, org_id: str, user_id: str) -> Member | None: ...


class Queues(Protocol):
    """``adapters.sqs.DeliveryQueues``."""

    def enqueue(self, messages: list[dict[str, Any]]) -> int: ...


def etag(t: OrgTemplate) -> str:
    return f'"v{t.version}"'


def _version_of(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    text = if_match.strip()
    if text == "*":
        return None
    digits = text.strip('"').removeprefix("W/").strip('"').removeprefix("v")
    if not digits.isdigit():
        fields = [{"field": "header.If-Match", "message": 'expected "v<version>"'}]
        raise Invalid("If-Match is not an ETag of this template", fields=fields)
    return int(digits)


class TemplatesAdmin:
    def __init__(
        self,
        *,
        store: Store,
        queues: Queues | None,
        templates_dir: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.queues = queues
        self.templates_dir = templates_dir
        self.clock = clock

    # ------------------------------------------------------------------------------------------------ reading
    def list(self, access: Access, *, limit: int, cursor: str | None) -> dict[str, Any]:
        found = sorted(self.store.templates(access.org_id), key=lambda t: t.key)
        after = rules.decode_cursor(cursor, access.org_id, "templates")
        if after is not None:
            found = [t for t in found if t.key > after]
        page = found[:limit]
        more = len(found) > limit
        return {
            "items": page,
            "next_cursor": rules.encode_cursor(access.org_id, "templates", page[-1].key) if more else None,
        }

    def get(self, access: Access, event_type: str, channel: str, locale: str) -> OrgTemplate:
        _refuse(_checks().check_target(event_type, channel, locale))
        found = self.store.template(access.org_id, template_overrides.key(event_type, channel, locale))
        if found is None:
            raise NotFound(f"{access.org_id} has no template of its own for {event_type} / {channel} / {locale}")
        return found

    # ------------------------------------------------------------------------------------------------ writing
    def put(
        self, access: Access, event_type: str, channel: str, locale: str, source: str, *, if_match: str | None
    ) -> tuple[OrgTemplate, bool]:
        """Check and store; (the template, whether it was created). ``if_match``: the ETag the editor read (409 if
        someone saved since); without it the save replaces whatever is there."""
        access.require_write()
        _refuse(_checks().check(event_type, channel, locale, source, self.templates_dir))
        key = template_overrides.key(event_type, channel, locale)
        current = self.store.template(access.org_id, key)
        expected = _version_of(if_match)
        if expected is not None and (current.version if current else 0) != expected:
            raise Conflict("the template changed since you read it: read it again (its ETag) and redo your change")
        saved = OrgTemplate(
            org_id=access.org_id,
            event_type=event_type,
            channel=channel,
            locale=locale,
            source=source,
            version=(current.version if current else 0) + 1,
            updated_at=self.clock().isoformat(timespec="seconds"),
            updated_by=access.caller.id,
        )
        if not self.store.put_template(saved, replaces=current.version if current else 0):
            raise Conflict("the template changed while you saved it: read it again and redo your change")
        return saved, current is None

    def delete(self, access: Access, event_type: str, channel: str, locale: str) -> None:
        access.require_write()
        _refuse(_checks().check_target(event_type, channel, locale))
        if not self.store.delete_template(access.org_id, template_overrides.key(event_type, channel, locale)):
            raise NotFound(f"{access.org_id} has no template of its own for {event_type} / {channel} / {locale}")

    # ---------------------------------------------------------------------------------------- preview, test
    def preview(
        self,
        access: Access,
        event_type: str,
        channel: str,
        locale: str,
        *,
        source: str | None,
        data: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """Render as a delivery would: the posted source (checked as a save is), else the org's saved template,
        else the platform's; with the posted data (checked against the event type's schema) or the example."""
        _refuse(_checks().check_target(event_type, channel, locale))
        if data is not None:
            _check_data(event_type, data)
        org_source, origin = self._source(access, event_type, channel, locale, source)
        profile = self.store.profile(access.org_id)
        message = _checks().example_message(
            event_type, channel, locale, org_id=access.org_id, org_name=profile.name if profile else access.org_id,
            data=data,
        )  # fmt: skip
        if profile and profile.branding and channel == "email":
            message["org"]["branding"] = profile.branding.as_dict()
        try:
            rendered = self._render(message, org_source, profile)
        except TemplateRenderError as exc:
            raise Invalid("the template does not render with this data",
                          fields=[{"field": "body.data" if data is not None else "body.source",
                                   "message": str(exc)[:1000]}]) from None  # fmt: skip
        return {"template": rendered.template, "origin": origin, **_parts(channel, rendered)}

    def test_send(self, access: Access, event_type: str, channel: str, locale: str) -> dict[str, Any]:
        """Queue one email of this event type (the catalog's example) to the caller's own address, through the
        normal email sender with the org's template for this locale if it has one. Admins only."""
        access.require_write()
        _refuse(_checks().check_target(event_type, channel, locale))
        if channel != "email":
            raise Invalid("a test send goes to your own email address: use the email channel",
                          fields=[{"field": "path.channel", "message": "email only"}])  # fmt: skip
        member = self.store.member(access.org_id, access.caller.id)
        if member is None or not member.email:
            raise Invalid("your member entry in this org has no email address: add one first",
                          fields=[{"field": "member.email", "message": "missing"}])  # fmt: skip
        if self.queues is None:
            raise Conflict("test sends are not available here")
        profile = self.store.profile(access.org_id)
        event_id = f"template-test-{uuid.uuid4().hex}"
        message = _checks().example_message(
            event_type, "email", locale, org_id=access.org_id, org_name=profile.name if profile else access.org_id,
            address=member.email, recipient_name=member.name,
            delivery_id=delivery_id(access.org_id, event_id, "email", member.email),
        )  # fmt: skip
        message["event_id"] = event_id
        message["user_id"] = member.user_id
        message["reasons"] = ["template_test"]
        message["routed_at"] = self.clock().isoformat()
        if profile:
            message["org"]["email_from"] = profile.email_from
            if profile.branding and profile.branding.as_dict():
                message["org"]["branding"] = profile.branding.as_dict()
        key = template_overrides.key(event_type, "email", locale)
        if self.store.template(access.org_id, key) is not None:
            message["template_override"] = key
        self.queues.enqueue([message])
        return {"delivery_id": message["delivery_id"], "to": member.email, "template_override": key
                if "template_override" in message else None}  # fmt: skip

    # ------------------------------------------------------------------------------------------------ helpers
    def _source(
        self, access: Access, event_type: str, channel: str, locale: str, source: str | None
    ) -> tuple[OrgSource | None, str]:
        key = template_overrides.key(event_type, channel, locale)
        if source is not None:
            _refuse(_checks().check(event_type, channel, locale, source, self.templates_dir))
            return _checks().source_of(key, source), "posted"
        saved = self.store.template(access.org_id, key)
        if saved is not None:
            return _checks().source_of(key, saved.source), "org"
        return None, "platform"

    def _render(self, message: dict[str, Any], source: OrgSource | None, profile: OrgProfile | None) -> Rendered:
        from notify_core.domain.templates import context_for, render

        latin = bool(profile and profile.sms_latin)
        return render(
            message["event_type"], message["channel"], message["locale"], context_for(message), self.templates_dir,
            sms_latin=latin, source=source,
        )  # fmt: skip


def _refuse(problems: Sequence[Any]) -> None:
    if problems:
        raise Invalid(problems[0].message, fields=[p.as_dict() for p in problems])


def _check_data(event_type: str, data: dict[str, Any]) -> None:
    try:
        catalog.CATALOG[event_type].data_model.model_validate(data)
    except ValidationError as exc:
        fields = [
            {"field": ".".join(["body", "data", *(str(p) for p in e["loc"])]), "message": e["msg"]}
            for e in exc.errors()
        ]
        raise Invalid(f"the data is not valid {event_type} data", fields=fields) from None


def _parts(channel: str, rendered: Rendered) -> dict[str, Any]:
    if channel == "sms":
        size = rendered.sms
        return {
            "text": rendered["text"],
            "segments": size.segments if size else None,
            "encoding": size.encoding if size else None,
            "cut": rendered.sms_cut,
        }
    return {"subject": rendered["subject"], "text": rendered["text"], "html": rendered["html"]}
