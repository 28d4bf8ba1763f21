"""The webhook adapter against a real HTTP server on loopback: outcomes, timeouts, signatures."""

from __future__ import annotations

import socket

import pytest
from standardwebhooks import Webhook

from notify_core.adapters.channels.http import HttpPolicy
from notify_core.adapters.channels.webhook import WebhookChannel
from notify_core.domain import signing
from notify_core.domain.errors import AmbiguousDeliveryError, PermanentDeliveryError, TransientDeliveryError
from notify_core.domain.templates import Rendered
from notify_local.receiver import WebhookReceiver

pytestmark = pytest.mark.integration
SECRET = signing.new_secret()


LOCAL = HttpPolicy(timeout_s=0.5, allow_loopback=True)


@pytest.fixture
def receiver():
    r = WebhookReceiver().start()
    r.expect_secret("/hook", SECRET)
    yield r
    r.stop()


def send(url: str, policy: HttpPolicy = LOCAL) -> object:
    channel = WebhookChannel(lambda name: SECRET, secret_prefix="/notify/webhook-secrets/", policy=policy)
    message = {"address": url, "org_id": "o", "endpoint_id": "e", "delivery_id": "dlv_1"}
    return channel.send(message, Rendered("t", {"body": '{"type": "payment.paid"}'}))


def test_2xx_is_sent_with_a_signature_the_reference_library_accepts(receiver):
    result = send(f"{receiver.url}/hook")
    assert result.http_status == 200
    [req] = receiver.received("/hook")
    assert req.verified is True
    assert req.headers["webhook-id"] == "dlv_1" and req.headers["content-type"] == "application/json"
    Webhook(SECRET).verify(req.body, req.headers)  # raises if not


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503])
def test_retryable_statuses_raise_transient(receiver, status):
    receiver.respond("/hook", status)
    with pytest.raises(TransientDeliveryError) as err:
        send(f"{receiver.url}/hook")
    assert err.value.code == f"http_{status}" and err.value.http_status == status


@pytest.mark.parametrize("status", [400, 401, 404, 410, 422, 301])
def test_other_statuses_fail_for_good(receiver, status):
    receiver.respond("/hook", status, headers={"Location": "https://elsewhere.example/"} if status == 301 else None)
    with pytest.raises(PermanentDeliveryError) as err:
        send(f"{receiver.url}/hook")
    assert err.value.code == f"http_{status}"


def test_retry_after_is_read_on_429_and_503(receiver):
    receiver.respond("/hook", 429, headers={"Retry-After": "120"})
    with pytest.raises(TransientDeliveryError) as err:
        send(f"{receiver.url}/hook")
    assert err.value.retry_after_s == 120


def test_a_receiver_slower_than_the_timeout_may_have_acted_on_it_so_the_outcome_is_unknown(receiver):
    receiver.respond("/hook", 200, delay_s=1.5)
    with pytest.raises(AmbiguousDeliveryError) as err:
        send(f"{receiver.url}/hook")
    assert err.value.code == "timeout"
    assert len(receiver.received("/hook")) == 1  # it got the request: sending again would send twice


def test_a_receiver_that_deduplicates_by_webhook_id_gets_an_unanswered_request_again(receiver):
    receiver.respond("/hook", 200, delay_s=1.5)
    with pytest.raises(TransientDeliveryError) as err:
        send(f"{receiver.url}/hook", HttpPolicy(timeout_s=0.5, allow_loopback=True, retry_unanswered=True))
    assert err.value.code == "timeout" and not isinstance(err.value, AmbiguousDeliveryError)


def test_a_closed_port_is_a_transient_connection_error(receiver):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens once the socket closes
    with pytest.raises(TransientDeliveryError) as err:
        send(f"http://127.0.0.1:{port}/hook")
    assert err.value.code == "connection_error"


def test_loopback_is_refused_unless_the_local_runtime_allows_it(receiver):
    with pytest.raises(PermanentDeliveryError) as err:
        send(f"{receiver.url}/hook", HttpPolicy(timeout_s=0.5))
    assert err.value.code == "unsafe_url"
    assert receiver.received() == []
