"""pytest fixtures for the embedded local runtime (registered as a pytest11 plugin).

``notify_runtime``: the platform on moto, fresh for each test (a reset costs ~0.1 s; the server and
handlers are started once per test session, or once per xdist worker). Product teams use it to
test their own notifications:

    def test_paid_invoice_emails_the_client(notify_runtime):
        notify_runtime.apply_settings({...})
        notify_runtime.publish("invoice.paid", {...})
        notify_runtime.wait_idle()
        assert notify_runtime.outbox().emails_to("client@example.com")[0].subject == "Invoice 42 paid"

Timers run on the runtime's clock: ``notify_runtime.advance(days=3)`` plays three days of reminders, appointment
reminders and due dates in seconds; ``notify_runtime.now()`` says where the clock is (back at real time per test).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from notify_local.runtime import LocalRuntime


@pytest.fixture(scope="session")
def notify_runtime_session() -> Iterator[LocalRuntime]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    rt = LocalRuntime(port=0, log_level="ERROR")
    rt.start()
    receiver = rt.start_receiver()
    yield rt
    rt.stop()
    receiver.stop()


@pytest.fixture
def notify_runtime(notify_runtime_session: LocalRuntime) -> Iterator[LocalRuntime]:
    notify_runtime_session.reset()
    # Tests run at any hour of the real day: an SMS must not wait for morning, nor a reminder for business hours,
    # unless the test is about them (``notify_runtime.clock.quiet_hours = True``).
    notify_runtime_session.clock.quiet_hours = False
    yield notify_runtime_session
    assert not notify_runtime_session.errors, f"handlers crashed: {notify_runtime_session.errors}"


@pytest.fixture
def notify_api(notify_runtime: LocalRuntime) -> Callable[..., Any]:
    """The admin API of the fresh runtime: ``notify_api("u-anna").get("/orgs/acme/deliveries").json()`` (a client
    signed in as that user through the runtime's Cognito user pool; ``operator=True`` may create orgs)."""
    return notify_runtime.api_client
