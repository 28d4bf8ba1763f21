"""Deployment options (``cdk deploy -c notify:...``): delivery retention and SES Delivery events, synthesized."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Template

from notify_core import config
from notify_infra import wiring
from notify_infra.app_builder import build_app
from tests.infra.conftest import SKIP_BUNDLING

pytestmark = pytest.mark.infra


def _readers() -> set[str]:
    return {fn.key for fn in wiring.FUNCTIONS if config.DELIVERY_RETENTION_DAYS in fn.settings_model.known_env()}


def _retention(template: dict, function_key: str) -> str:
    [fn] = [
        r
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function"
        and r["Properties"].get("Environment", {}).get("Variables", {}).get("POWERTOOLS_SERVICE_NAME") == function_key
    ]
    return fn["Properties"]["Environment"]["Variables"][config.DELIVERY_RETENTION_DAYS]


def test_by_default_deliveries_are_kept_90_days_by_every_writer(synth) -> None:
    readers = _readers()
    assert {"send_email", "send_sms", "send_webhook", "router"} <= readers
    for key in readers:
        assert _retention(synth.template_json, key) == "90", key


def test_a_deployment_may_keep_deliveries_longer_and_record_ses_delivery_events(tmp_path) -> None:
    context = {
        **SKIP_BUNDLING,
        wiring.DEPLOYMENT_CONTEXT["delivery_retention_days"]: "400",
        wiring.DEPLOYMENT_CONTEXT["ses_delivery_events"]: "true",
    }
    _app, stack = build_app(context, outdir=str(tmp_path), nag=False)
    template = Template.from_stack(stack).to_json()
    for key in _readers():
        assert _retention(template, key) == "400", key
    [destination] = [
        r for r in template["Resources"].values() if r["Type"] == "AWS::SES::ConfigurationSetEventDestination"
    ]
    assert destination["Properties"]["EventDestination"]["MatchingEventTypes"][0] == "delivery"


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("delivery_retention_days", "0", "1 to 3650"),
        ("delivery_retention_days", "ninety", "1 to 3650"),
        ("ses_delivery_events", "yes", "true or false"),
    ],
)
def test_a_bad_option_names_its_context_key(name: str, value: str, says: str) -> None:
    key = wiring.DEPLOYMENT_CONTEXT[name]
    with pytest.raises(ValueError, match=says) as err:
        wiring.deployment_options({key: value}.get)
    assert key in str(err.value)


def test_unsubscribe_links_point_at_the_admin_apis_public_route_unless_the_deployment_names_one(
    synth, tmp_path
) -> None:
    [fn] = [
        r
        for r in synth.template_json["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function"
        and r["Properties"]["Environment"]["Variables"].get("POWERTOOLS_SERVICE_NAME") == "send_email"
    ]
    url = fn["Properties"]["Environment"]["Variables"][config.UNSUBSCRIBE_URL]
    assert "public/unsubscribe" in str(url) and "AdminApi" in str(url)  # the stage's URL + the public route
    context = {**SKIP_BUNDLING, wiring.DEPLOYMENT_CONTEXT["unsubscribe_url"]: "https://mail.example.com/u"}
    _app, stack = build_app(context, outdir=str(tmp_path), nag=False)
    template = Template.from_stack(stack).to_json()
    [named] = [
        r
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function"
        and r["Properties"]["Environment"]["Variables"].get("POWERTOOLS_SERVICE_NAME") == "send_email"
    ]
    assert named["Properties"]["Environment"]["Variables"][config.UNSUBSCRIBE_URL] == "https://mail.example.com/u"
    with pytest.raises(ValueError, match="notify:unsubscribeUrl"):
        wiring.deployment_options({wiring.DEPLOYMENT_CONTEXT["unsubscribe_url"]: "http://x.example/u"}.get)
