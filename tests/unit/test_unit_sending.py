"""The sender's rules with in-memory ports: one read and one write per batch, each delivery attempted at most once
per receive, never sent again once it may have gone out, every outcome recorded."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from notify_core.domain.delivery import DEAD, FAILED, RETRYING, SENT, SKIPPED, UNKNOWN, decide
from notify_core.domain.errors import AmbiguousDeliveryError, TransientDeliveryError, UnansweredDeliveryError
from notify_core.domain.templates import TemplateRenderError
from notify_core.services.sending import Received, RetryLater, Sender
from tests.fakes import FakeChannel, FakeDeliveryLog, FakeRenderer, FakeSuppressions

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


class Run:
    """A sender over fakes, and a way to hand it batches as Lambda would."""

    def __init__(self, *channels, renderer=None, max_receives: int = 5, on_dead=None) -> None:
        self.log = FakeDeliveryLog()
        self.suppressions = FakeSuppressions()
        self.channels = channels or (FakeChannel("email"),)
        self.sender = Sender(
            self.channels,
            log=self.log,
            suppressions=self.suppressions,
            renderer=renderer or FakeRenderer(),
            max_receives=max_receives,
            on_dead=on_dead,
        )

    def batch(self, *received: Received) -> dict[str, object]:
        """Outcome per message id: the result, or the exception a record raised (Powertools reports it failed)."""
        batch = self.sender.open_batch(list(received), remaining_s=30)
        results: dict[str, object] = {}
        for r in received:
            try:
                results[r.message_id] = self.sender.deliver(batch, r)
            except Exception as exc:
                results[r.message_id] = exc
        self.sender.close_batch(batch)
        return results


def rec(msg: dict, message_id: str = "m-1", receive: int = 1) -> Received:
    return Received(message_id, receive, json.dumps(msg))


def test_a_delivery_is_sent_once_and_its_outcome_written_with_the_batch():
    run = Run()
    results = run.batch(rec(message()), rec(message("dlv_2", address="boris@org.example"), "m-2"))
    assert results["m-1"] == {"status": SENT, "provider_message_id": "pm-1"}
    assert (run.log.reads, run.log.writes) == (1, 1)  # one read and one write for the whole batch
    record = run.log.items["dlv_1"]
    assert (record.status, record.attempt_count, record.provider_message_id) == (SENT, 1, "pm-1")
    assert (record.last_message_id, record.last_receive) == ("m-1", 1)
    assert run.channels[0].sent[0][1]["subject"] == "email:subject:payment.paid"  # rendered for its own channel


def test_a_redelivered_message_of_a_sent_delivery_is_not_sent_again():
    run = Run()
    run.batch(rec(message()))
    results = run.batch(rec(message(), receive=2))
    assert results["m-1"] == {"status": SENT, "duplicate": True}
    assert len(run.channels[0].sent) == 1 and run.log.items["dlv_1"].attempt_count == 1


def test_the_same_delivery_twice_in_one_batch_is_sent_once():
    run = Run()
    results = run.batch(rec(message(), "m-1"), rec(message(), "m-2"))
    assert results["m-2"] == {"status": SENT, "duplicate": True} and len(run.channels[0].sent) == 1


@pytest.mark.parametrize("final", [SENT, FAILED, SKIPPED, DEAD, UNKNOWN, "delivered", "bounced", "complained"])
def test_no_final_delivery_is_attempted_again(final):
    run = Run()
    run.log.record_at_routing([{**message(), "status": final, "error_code": "x"}])
    assert run.batch(rec(message()))["m-1"]["duplicate"] is True
    assert run.channels[0].sent == []


def test_a_receive_whose_previous_receive_left_no_outcome_records_unknown_and_sends_nothing():
    # Receive 1 reached the provider, then the Lambda timed out before the batch's write: nothing recorded.
    run = Run()
    run.log.fail_writes = 1
    with pytest.raises(RuntimeError, match="BatchWriteItem"):
        run.batch(rec(message()))
    assert len(run.channels[0].sent) == 1 and "dlv_1" not in run.log.items
    results = run.batch(rec(message(), receive=2))
    assert results["m-1"] == {"status": UNKNOWN, "provider_message_id": None}
    assert len(run.channels[0].sent) == 1  # never a second send
    record = run.log.items["dlv_1"]
    assert (record.status, record.error_code) == (UNKNOWN, "no_outcome") and record.payload  # replayable


def test_a_transient_failure_is_recorded_retrying_and_the_redelivery_sends():
    run = Run(FakeChannel("email", "transient:provider:Throttling", "ok"))
    first = run.batch(rec(message()))
    assert isinstance(first["m-1"], RetryLater) and first["m-1"].code == "provider:Throttling"
    record = run.log.items["dlv_1"]
    assert (record.status, record.last_receive) == (RETRYING, 1)
    run.batch(rec(message(), receive=2))  # the SQS redelivery: receive 1 is on record, so it may send
    record = run.log.items["dlv_1"]
    assert record.status == SENT and [a.outcome for a in record.attempts] == [RETRYING, SENT]
    assert [a.number for a in record.attempts] == [1, 2]


def test_a_transient_failure_on_the_last_receive_is_dead_and_the_message_is_not_failed_again():
    deaths = []
    channel = FakeChannel("email", "transient:provider:InternalFailure")
    run = Run(channel, max_receives=3, on_dead=lambda m, o: deaths.append(o))
    previous = run.log._new(message(), RETRYING, None, None)
    run.log.items["dlv_1"] = replace(previous, last_message_id="m-1", last_receive=2)
    results = run.batch(rec(message(), receive=3))
    assert results["m-1"]["status"] == DEAD  # acknowledged: SQS deletes it, no DLQ round trip
    record = run.log.items["dlv_1"]
    assert (record.status, record.error_code) == (DEAD, "provider:InternalFailure") and record.payload
    assert [o.status for o in deaths] == [DEAD]  # the webhook sender alerts the org here


def test_a_receiver_that_takes_repeats_is_retried_after_no_answer_and_never_ends_dead():
    # An endpoint with retry_unanswered deduplicates by webhook-id: an unanswered request is tried again, but it
    # may have been acted on, so running out of receives afterwards ends unknown, even if later answers were 5xx.
    class Answers(FakeChannel):
        def send(self, message, rendered):
            answer = self.answers.pop(0)
            if answer == "no answer":
                raise UnansweredDeliveryError("timeout", "no answer within 10s")
            raise TransientDeliveryError("http_503", "unavailable")

    run = Run(Answers("webhook", "no answer", "503", "503"), max_receives=3)
    webhook = message(channel="webhook", address="https://erp.example/hook")
    first = run.batch(rec(webhook))
    assert isinstance(first["m-1"], RetryLater) and run.log.items["dlv_1"].maybe_delivered
    assert isinstance(run.batch(rec(webhook, receive=2))["m-1"], RetryLater)
    assert run.batch(rec(webhook, receive=3))["m-1"]["status"] == UNKNOWN
    record = run.log.items["dlv_1"]
    assert (record.status, record.error_code) == (UNKNOWN, "http_503") and record.payload  # replayable by a person
    # Without an unanswered request, the same exhaustion is dead.
    run = Run(Answers("webhook", "503", "503", "503"), max_receives=3)
    for receive in (1, 2, 3):
        run.batch(rec(webhook, receive=receive))
    assert run.log.items["dlv_1"].status == DEAD


def test_a_request_that_got_no_answer_is_unknown_not_retried():
    class NoAnswer(FakeChannel):
        def send(self, message, rendered):
            raise AmbiguousDeliveryError("provider_no_answer", "Read timeout on endpoint URL")

    run = Run(NoAnswer("email"))
    results = run.batch(rec(message()))
    assert results["m-1"]["status"] == UNKNOWN
    assert run.log.items["dlv_1"].error_code == "provider_no_answer"
    assert run.batch(rec(message(), receive=2))["m-1"]["duplicate"] is True


def test_a_permanent_failure_is_recorded_failed_with_the_message_kept_for_replay():
    run = Run(FakeChannel("email", "permanent:rejected:MessageRejected"))
    assert run.batch(rec(message()))["m-1"]["status"] == FAILED
    record = run.log.items["dlv_1"]
    assert (record.status, record.error_code) == (FAILED, "rejected:MessageRejected")
    assert json.loads(record.payload)["delivery_id"] == "dlv_1"


def test_a_template_error_fails_for_good_without_calling_the_provider():
    run = Run(renderer=FakeRenderer(TemplateRenderError("payment.paid/email: 'amount' is undefined")))
    run.batch(rec(message()))
    record = run.log.items["dlv_1"]
    assert (record.status, record.error_code) == (FAILED, "template_error") and run.channels[0].sent == []
    assert "'amount' is undefined" in record.error_detail


@pytest.mark.parametrize(
    ("channel", "reason", "code"), [("email", "bounce", "suppressed"), ("sms", "opt_out", "opted_out")]
)
def test_an_address_suppressed_since_routing_is_not_sent(channel, reason, code):
    run = Run(FakeChannel(channel))
    address = "anna@org.example" if channel == "email" else "+48512345678"
    run.suppressions.suppress(channel, address, reason, org_id="org-a" if reason == "opt_out" else None)
    run.batch(rec(message(channel=channel, address=address)))
    record = run.log.items["dlv_1"]
    assert (record.status, record.error_code) == (FAILED, code) and run.channels[0].sent == []


def test_a_failed_batch_read_sends_nothing():
    run = Run()
    run.log.fail_reads = 1
    with pytest.raises(RuntimeError, match="BatchGetItem"):
        run.batch(rec(message()))
    assert run.channels[0].sent == []


def test_each_message_goes_through_the_adapter_its_channel_names():
    slack, telegram = FakeChannel("slack"), FakeChannel("telegram")
    run = Run(slack, telegram)
    run.batch(
        rec(message("d-t", "telegram", address="123"), "m-1"), rec(message("d-s", "slack", address="org-a"), "m-2")
    )
    assert [m["delivery_id"] for m, _ in telegram.sent] == ["d-t"]
    assert [m["delivery_id"] for m, _ in slack.sent] == ["d-s"]


def test_a_message_for_another_queue_fails_its_record():
    run = Run()
    results = run.batch(rec(message(channel="sms")))
    assert isinstance(results["m-1"], ValueError)


def test_the_rule_itself():
    assert decide(None, message_id="m", receive=1).action == "attempt"
    assert decide(None, message_id="m", receive=2).action == "record_unknown"
    on_record = replace(FakeDeliveryLog._new(message(), RETRYING, None, None), last_message_id="m", last_receive=1)
    assert decide(on_record, message_id="m", receive=2).action == "attempt"
    assert decide(on_record, message_id="m", receive=3).action == "record_unknown"  # receive 2 left nothing
    assert decide(on_record, message_id="other", receive=2).action == "record_unknown"
    assert decide(on_record, message_id="replay", receive=1).action == "attempt"  # a replay: a new message


def test_a_transient_error_carries_retry_after_to_the_backoff():
    run = Run(FakeChannel("email", "transient:http_429"))
    result = run.batch(rec(message()))["m-1"]
    assert isinstance(result, TransientDeliveryError)


def test_a_test_ping_is_tried_once_its_failure_final_and_no_dead_alert():
    alerts: list = []
    run = Run(
        FakeChannel("webhook", "transient:http_503"),
        on_dead=lambda m, o: alerts.append(m),
    )
    results = run.batch(rec(message(channel="webhook", probe=True)))
    assert results["m-1"]["status"] == FAILED  # not RetryLater: no second attempt
    assert (run.log.items["dlv_1"].status, run.log.items["dlv_1"].error_code) == (FAILED, "http_503")
    assert alerts == []
