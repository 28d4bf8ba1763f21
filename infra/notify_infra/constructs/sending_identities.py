"""SES sending identities from CDK context: each sending domain an org sends from, authenticated.

``cdk deploy -c notify:sendingDomains='["hutki.example","serwis.example"]'`` (a JSON list, or comma-separated)
makes, per domain, an SES email identity with **Easy DKIM** (SES signs with a 2048-bit key it rotates; three
CNAMEs publish it), a **custom MAIL FROM** domain ``mail.<domain>`` (the envelope sender SPF is checked against,
aligned with the From domain for DMARC; if its MX is missing SES falls back to its own domain rather than refusing
to send) and the feedback configuration set as its default. The stack outputs every DNS record to add:
``DkimCname<n><Domain>`` (name = value CNAMEs), ``MailFromMx<Domain>``, ``MailFromSpf<Domain>`` and a starting
``Dmarc<Domain>`` policy (``p=none`` with reports, to be tightened once reports are clean).

An org's ``email_from`` must be an address at one of these domains (or at an identity verified outside the stack).
"""

from __future__ import annotations

import json
import re
from typing import Any

from aws_cdk import Aws, CfnOutput, Fn
from aws_cdk import aws_ses as ses
from constructs import Construct

CONTEXT_KEY = "notify:sendingDomains"
MAIL_FROM_LABEL = "mail"
_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def domains_from_context(raw: Any) -> tuple[str, ...]:
    """The sending domains a deployment names (none: no identity is created); a bad one fails the synthesis."""
    if raw is None or raw == "":
        return ()
    if isinstance(raw, str):
        text = raw.strip()
        items = json.loads(text) if text.startswith("[") else [d for d in text.split(",") if d.strip()]
    else:
        items = list(raw)
    domains = []
    for item in items:
        domain = str(item).strip().lower().rstrip(".")
        if not _DOMAIN.match(domain):
            raise ValueError(f"-c {CONTEXT_KEY}: {item!r} is not a domain name")
        domains.append(domain)
    if len(set(domains)) != len(domains):
        raise ValueError(f"-c {CONTEXT_KEY}: a domain is named twice")
    return tuple(domains)


def _output_id(prefix: str, domain: str) -> str:
    return prefix + "".join(part.capitalize() for part in re.split(r"[.-]", domain))


class SendingIdentities(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, domains: tuple[str, ...], configuration_set: ses.IConfigurationSet
    ) -> None:
        super().__init__(scope, construct_id)
        self.identities: dict[str, ses.EmailIdentity] = {}
        for domain in domains:
            mail_from = f"{MAIL_FROM_LABEL}.{domain}"
            identity = ses.EmailIdentity(
                self,
                _output_id("Identity", domain),
                identity=ses.Identity.domain(domain),
                dkim_identity=ses.DkimIdentity.easy_dkim(ses.EasyDkimSigningKeyLength.RSA_2048_BIT),
                dkim_signing=True,
                mail_from_domain=mail_from,
                mail_from_behavior_on_mx_failure=ses.MailFromBehaviorOnMxFailure.USE_DEFAULT_VALUE,
                configuration_set=configuration_set,
            )
            self.identities[domain] = identity
            for n, (name, value) in enumerate(
                (
                    (identity.dkim_dns_token_name1, identity.dkim_dns_token_value1),
                    (identity.dkim_dns_token_name2, identity.dkim_dns_token_value2),
                    (identity.dkim_dns_token_name3, identity.dkim_dns_token_value3),
                ),
                start=1,
            ):
                CfnOutput(
                    scope,
                    _output_id(f"DkimCname{n}", domain),
                    value=Fn.join("", [name, " CNAME ", value]),
                    description=f"DKIM for {domain}: add this CNAME record",
                )
            CfnOutput(
                scope,
                _output_id("MailFromMx", domain),
                value=Fn.join("", [mail_from, " MX 10 feedback-smtp.", Aws.REGION, ".amazonses.com"]),
                description=f"custom MAIL FROM for {domain}: add this MX record",
            )
            CfnOutput(
                scope,
                _output_id("MailFromSpf", domain),
                value=f'{mail_from} TXT "v=spf1 include:amazonses.com ~all"',
                description=f"SPF of the MAIL FROM domain of {domain}: add this TXT record",
            )
            CfnOutput(
                scope,
                _output_id("Dmarc", domain),
                value=f'_dmarc.{domain} TXT "v=DMARC1; p=none; rua=mailto:dmarc-reports@{domain}; adkim=s; aspf=r"',
                description=f"DMARC for {domain}: start with p=none, move to quarantine/reject once reports are clean",
            )
