"""SES sending identities from context (``-c notify:sendingDomains``): Easy DKIM, custom MAIL FROM, the feedback
configuration set, the DNS records as outputs, and a clean cdk-nag report."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Template

from notify_infra import wiring
from notify_infra.app_builder import build_app
from notify_infra.constructs.sending_identities import CONTEXT_KEY, domains_from_context
from tests.infra.conftest import REPORT_INSTEAD_OF_FAIL, SKIP_BUNDLING

pytestmark = pytest.mark.infra

DOMAINS = ["hutki.example", "serwis-gsm.example"]


@pytest.fixture(scope="module")
def with_domains(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("cdk.identities")
    context = {**SKIP_BUNDLING, **REPORT_INSTEAD_OF_FAIL, CONTEXT_KEY: json.dumps(DOMAINS)}
    app, stack = build_app(context, outdir=str(outdir), nag=True)
    assembly = app.synth()
    report = json.loads((outdir / "validation-report.json").read_text())
    return Template.from_json(assembly.get_stack_by_name(stack.stack_name).template), report


def test_each_domain_is_an_identity_with_easy_dkim_and_a_custom_mail_from(with_domains):
    template, _ = with_domains
    identities = template.find_resources("AWS::SES::EmailIdentity")
    by_name = {r["Properties"]["EmailIdentity"]: r["Properties"] for r in identities.values()}
    assert set(by_name) == set(DOMAINS)
    for domain, props in by_name.items():
        assert props["DkimAttributes"] == {"SigningEnabled": True}
        assert props["DkimSigningAttributes"] == {"NextSigningKeyLength": "RSA_2048_BIT"}
        assert props["MailFromAttributes"] == {
            "MailFromDomain": f"mail.{domain}",
            "BehaviorOnMxFailure": "USE_DEFAULT_VALUE",
        }
        config_set = props["ConfigurationSetAttributes"]["ConfigurationSetName"]
        assert config_set == {"Ref": next(iter(template.find_resources("AWS::SES::ConfigurationSet")))}
    assert wiring.EMAIL_FEEDBACK.configuration_set  # the set every email is sent with


def test_the_dns_records_to_add_are_outputs(with_domains):
    template, _ = with_domains
    outputs = template.to_json()["Outputs"]
    for key in ("DkimCname1HutkiExample", "DkimCname2HutkiExample", "DkimCname3HutkiExample"):
        assert "CNAME" in json.dumps(outputs[key]["Value"])
    assert "feedback-smtp." in json.dumps(outputs["MailFromMxSerwisGsmExample"]["Value"])
    assert outputs["MailFromSpfHutkiExample"]["Value"] == 'mail.hutki.example TXT "v=spf1 include:amazonses.com ~all"'
    assert outputs["DmarcHutkiExample"]["Value"].startswith('_dmarc.hutki.example TXT "v=DMARC1; p=none;')


def test_identities_add_no_cdk_nag_finding(with_domains):
    _, report = with_domains
    for plugin in report["pluginReports"]:
        assert plugin["violations"] == [], plugin["pluginName"]
        assert plugin["conclusion"] == "success"


def test_without_domains_no_identity_is_made(template):
    assert template.find_resources("AWS::SES::EmailIdentity") == {}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, ()), ("", ()), ("a.example, B.Example.", ("a.example", "b.example")), ('["x.example"]', ("x.example",))],
)
def test_the_context_value_is_read_as_a_list_or_commas(raw, expected):
    assert domains_from_context(raw) == expected


@pytest.mark.parametrize("raw", ["not a domain", '["a.example", "a.example"]', "http://a.example"])
def test_a_bad_domain_fails_the_synthesis_naming_the_key(raw):
    with pytest.raises(ValueError, match=CONTEXT_KEY):
        domains_from_context(raw)
