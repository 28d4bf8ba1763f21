"""The sender's rules with in-memory ports: claim, render, send, record; exactly once; retry and failure."""

from __future__ import annotations

import json

import pytest

from notify_core.domain.delivery import DEAD, FAILED, RETRYING, SENT, SKIPPED
from notify_core.domain.errors import TransientDeliveryError
from notify_core.domain.templates import TemplateRenderError
from notify_core.services.sending import ClaimHeldElsewhere, Sender
from tests.fakes import FakeChannel, FakeDeliveryLog, FakeRenderer

pytestmark = pytest.mark.unit


def message(delivery_id: str = "dlv_1", channel: str = "email", **extra) -> dict:
    return {
        "delivery_id": delivery_id,
        "org_id": "org-a",
        "event_id": "evt-1",
        "event_type": "payment.paid",
        "channel": channel,
        "address": "anna@org.example",
        "reasons": ["subscription:payment.paid_or_reversed@org"],
        **extra,
    }


def sender(*channels, log=None, renderer=None) -> tuple[Sender, FakeDeliveryLog]:
    log = log or FakeDeliveryLog()
    return Sender(channels or (FakeChannel("email"),), claims=log, renderer=renderer or FakeRenderer()), log


def test_a_delivery_is_sent_once_and_recorded_with_its_attempt():
    email = FakeChannel("email")
    s, log = sender(email)
    assert s.deliver(message(), remaining_ms=30_000) == {"status": SENT, "provider_message_id": "pm-1"}
    record = log.items["dlv_1"]
    assert (record.status, record.attempt_count, record.provider_message_id) == (SENT, 1, "pm-1")
    assert [(a.number, a.outcome) for a in record.attempts] == [(1, SENT)]
    assert email.sent[0][1]["subject"] == "email:subject:payment.paid"  # rendered for its own channel


def test_a_redelivered_message_is_not_sent_again():
    email = FakeChannel("email")
    s, log = sender(email)
    s.deliver(message(), remaining_ms=30_000)
    assert s.deliver(message(), remaining_ms=30_000) == {"status": SENT, "duplicate": True}
    assert len(email.sent) == 1 and log.items["dlv_1"].attempt_count == 1


@pytest.mark.parametrize("final", [SENT, FAILED, SKIPPED, "delivered", "bounced", "complained"])
def test_no_final_delivery_is_claimed_again(final):
    email = FakeChannel("email")
    s, log = sender(email)
    log.record_at_routing([{**message(), "status": final, "error_code": "x"}])
    assert s.deliver(message(), remaining_ms=30_000)["duplicate"] is True
    assert email.sent == []


def test_a_dead_delivery_can_be_claimed_again_that_is_replay():
    email = FakeChannel("email")
    s, log = sender(email)
    log.mark_dead(message(), source_queue="email-dlq")
    assert log.items["dlv_1"].status == DEAD
    s.deliver(message(), remaining_ms=30_000)
    assert log.items["dlv_1"].status == SENT and len(email.sent) == 1


def test_a_delivery_another_sender_holds_is_retried_later_never_sent_alongside():
    email = FakeChannel("email")
    s, log = sender(email)
    log.claim(message(), hold_ms=30_000)  # another container is sending it right now
    with pytest.raises(ClaimHeldElsewhere) as info:
        s.deliver(message(), remaining_ms=30_000)
    assert isinstance(info.value, TransientDeliveryError) and email.sent == []
    assert log.items["dlv_1"].attempt_count == 1  # the other sender's claim is untouched


def test_an_expired_claim_is_taken_over():
    clock = {"ms": 1_000_000}
    log = FakeDeliveryLog(now_ms=lambda: clock["ms"])
    email = FakeChannel("email")
    s, _ = sender(email, log=log)
    log.claim(message(), hold_ms=5_000)  # a sender that crashed mid-send
    clock["ms"] += 5_001
    s.deliver(message(), remaining_ms=30_000)
    assert log.items["dlv_1"].status == SENT and log.items["dlv_1"].attempt_count == 2


def test_a_transient_failure_releases_the_claim_logs_the_attempt_and_raises_for_sqs():
    email = FakeChannel("email", "transient:provider:Throttling", "ok")
    s, log = sender(email)
    with pytest.raises(TransientDeliveryError):
        s.deliver(message(), remaining_ms=30_000)
    record = log.items["dlv_1"]
    assert (record.status, record.error_code, record.claim_until_ms) == (RETRYING, "provider:Throttling", None)
    s.deliver(message(), remaining_ms=30_000)  # the SQS redelivery
    record = log.items["dlv_1"]
    assert record.status == SENT and [a.outcome for a in record.attempts] == [RETRYING, SENT]
    assert [a.number for a in record.attempts] == [1, 2]


def test_a_permanent_failure_is_recorded_failed_with_the_message_kept_for_replay():
    s, log = sender(FakeChannel("email", "permanent:rejected:MessageRejected"))
    assert s.deliver(message(), remaining_ms=30_000)["status"] == FAILED
    record = log.items["dlv_1"]
    assert (record.status, record.error_code) == (FAILED, "rejected:MessageRejected")
    assert json.loads(record.payload)["delivery_id"] == "dlv_1"


def test_a_template_error_fails_for_good_without_calling_the_provider():
    email = FakeChannel("email")
    s, log = sender(email, renderer=FakeRenderer(TemplateRenderError("payment.paid/email: 'amount' is undefined")))
    s.deliver(message(), remaining_ms=30_000)
    record = log.items["dlv_1"]
    assert (record.status, record.error_code) == (FAILED, "template_error") and email.sent == []
    assert "'amount' is undefined" in record.error_detail


def test_an_unexpected_error_releases_the_claim_too():
    class Broken(FakeChannel):
        def send(self, message, rendered):
            raise KeyError("endpoint_id")

    s, log = sender(Broken("email"))
    with pytest.raises(KeyError):
        s.deliver(message(), remaining_ms=30_000)
    assert (log.items["dlv_1"].status, log.items["dlv_1"].error_code) == (RETRYING, "KeyError")


def test_feedback_that_overtook_the_sender_is_never_turned_back_into_sent():
    class SlowToRecord(FakeChannel):
        def send(self, message, rendered):
            result = super().send(message, rendered)
            # SES reports the bounce before the sender recorded its own "sent".
            log.record_outcome(
                log.items[message["delivery_id"]], kind="bounced", code="bounce", detail="", at=None,
                provider_message_id=None,
            )  # fmt: skip
            return result

    s, log = sender(SlowToRecord("email"))
    s.deliver(message(), remaining_ms=30_000)
    assert log.items["dlv_1"].status == "bounced"


def test_each_message_goes_through_the_adapter_its_channel_names():
    slack, telegram = FakeChannel("slack"), FakeChannel("telegram")
    s, _ = sender(slack, telegram)
    s.handle_body(json.dumps(message("d-t", "telegram", address="123")), remaining_ms=30_000)
    s.handle_body(json.dumps(message("d-s", "slack", address="org-a")), remaining_ms=30_000)
    assert [m["delivery_id"] for m, _ in telegram.sent] == ["d-t"]
    assert [m["delivery_id"] for m, _ in slack.sent] == ["d-s"]


def test_a_message_for_another_queue_is_refused():
    s, _ = sender(FakeChannel("email"))
    with pytest.raises(ValueError, match="'sms' delivery on the email queue"):
        s.handle_body(json.dumps(message(channel="sms")), remaining_ms=30_000)


def test_the_claim_lasts_as_long_as_the_invocation_may_run():
    log = FakeDeliveryLog(now_ms=lambda: 0)
    s, _ = sender(FakeChannel("email", "transient:x", "transient:x"), log=log)
    holds = []
    real_claim = log.claim
    log.claim = lambda m, hold_ms: holds.append(hold_ms) or real_claim(m, hold_ms=hold_ms)  # type: ignore[method-assign]
    with pytest.raises(TransientDeliveryError):
        s.deliver(message(), remaining_ms=12_345)
    with pytest.raises(TransientDeliveryError):
        s.deliver(message(), remaining_ms=10)  # near the timeout: never a claim shorter than a second
    assert holds == [12_345, 1_000]
