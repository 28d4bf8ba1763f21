"""The ``notify`` command.

    notify local up [--port 4566] [--settings FILE ...]    run the platform on moto until Ctrl-C
    notify settings apply FILE                               load an org's settings document
    notify settings export ORG_ID                            print an org's settings document
    notify sms opt-out ORG_ID PHONE                          stop SMS from this org to the number
    notify sms opt-in ORG_ID PHONE                           undo an opt-out
    notify replay ORG_ID (--delivery ID | --since TIME [--endpoint ID])
                                                             send dead/failed deliveries again (same id)
    notify report sms ORG_ID --from DATE --to DATE           the "Sent SMS" report, CSV
    notify report recipient ORG_ID ADDRESS                   every delivery to one address, CSV
    notify report cost ORG_ID --month YYYY-MM                 a month's deliveries by channel and their AWS cost, CSV
    notify users email-off|email-on USER_ID                  the user's email switch, for every org

Every command but ``local up`` takes ``--local [URL]`` (a running local runtime) or ``--stack NAME`` (AWS,
with the usual credentials): the stack's outputs give every table name and queue URL. Without either, they
come from the environment as the functions get them ($SETTINGS_TABLE, $DELIVERIES_TABLE, $SUPPRESSIONS_TABLE,
$USERS_TABLE, and for ``replay`` the channel queues: $EMAIL_QUEUE_URL, $SMS_QUEUE_URL, ...) or from the
--*-table options.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path

DEFAULT_LOCAL = "http://127.0.0.1:4566"


def _local_env(url: str) -> dict[str, str]:
    """Point boto3 at a running local runtime; its tables and queues have the runtime's fixed names."""
    import boto3

    from notify_infra import wiring
    from notify_local.names import physical_name, queue_name

    os.environ.update(
        AWS_ENDPOINT_URL=url,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=os.environ.get("AWS_DEFAULT_REGION", "eu-west-1"),
    )
    env = {t.env: physical_name(t.key) for t in wiring.TABLES}
    sqs = boto3.client("sqs")
    for q in wiring.QUEUES:
        if q.key in wiring.DELIVERY_QUEUES.values():
            env[q.env] = sqs.get_queue_url(QueueName=queue_name(q.key))["QueueUrl"]
    return env


def _stack_env(stack_name: str) -> dict[str, str]:
    """Table names and queue URLs from a deployed stack's outputs (see wiring.output_id)."""
    import boto3

    from notify_infra import wiring

    stack = boto3.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    return wiring.env_from_stack_outputs(outputs)


def _admin(args: argparse.Namespace):
    """The operator's adapters, named by --local / --stack / --*-table options, else by the environment."""
    from notify_core import config
    from notify_core.compose.admin import Admin
    from notify_infra import wiring

    env: dict[str, str] = {
        config.WEBHOOK_SECRET_PREFIX: wiring.WEBHOOK_SECRET_PREFIX,
        config.CHAT_SECRET_PREFIX: wiring.CHAT_SECRET_PREFIX,
        **os.environ,
    }
    if getattr(args, "local", None):
        env |= _local_env(args.local)
    elif getattr(args, "stack", None):
        env |= _stack_env(args.stack)
    for option, name in (
        ("settings_table", config.SETTINGS_TABLE),
        ("deliveries_table", config.DELIVERIES_TABLE),
        ("suppressions_table", config.SUPPRESSIONS_TABLE),
        ("users_table", config.USERS_TABLE),
    ):
        if value := getattr(args, option, None):
            env[name] = value
    return Admin.from_env(env)


def _target_options(p: argparse.ArgumentParser, *tables: str) -> None:
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--local", nargs="?", const=DEFAULT_LOCAL, help=f"a running local runtime (default {DEFAULT_LOCAL})"
    )
    where.add_argument("--stack", help="a deployed stack: table names and queue URLs from its outputs")
    for table in tables:
        env = f"{table.upper()}_TABLE"
        p.add_argument(f"--{table}-table", help=f"physical table name on AWS (default ${env})")


def _print_apply(result, doc) -> None:
    print(f"applied settings for org {result.org_id}: {result.written} items written, {result.deleted} removed")
    for endpoint_id, secret in result.generated_secrets.items():
        # Shown once, to hand to the receiver; it is stored only in SSM (SecureString).
        print(f"  webhook endpoint {endpoint_id}: new signing secret {secret}")


def cmd_local_up(args: argparse.Namespace) -> int:
    import logging

    from notify_local.runtime import LocalRuntime

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    rt = LocalRuntime(host=args.host, port=args.port, log_level=args.log_level)
    rt.start()
    receiver = rt.start_receiver(args.receiver_port)
    print(f"notify local runtime up: AWS endpoint {rt.endpoint_url} (region {rt.region}, bus 'notify')")
    print(f"webhook receiver: {receiver.url}/<any path> (loopback webhooks allowed in local mode)")
    for f in args.settings or []:
        text = Path(f).read_text().replace("$receiver", receiver.url)
        _print_apply(rt.apply_settings(text), None)
    print(
        "publish with boto3: boto3.client('events', endpoint_url=..., region_name=...)"
        ".put_events(Entries=[{'EventBusName': 'notify', ...}])"
    )
    print("Ctrl-C to stop")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    rt.stop()
    receiver.stop()
    return 0


def cmd_settings_apply(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from notify_core.domain import settings_document

    try:
        doc = settings_document.parse(Path(args.file).read_text())
    except (ValidationError, ValueError) as exc:
        print(f"invalid settings document {args.file}:\n{exc}", file=sys.stderr)
        return 2
    result = _admin(args).settings.apply(doc)
    if args.local and doc.email_from:
        import boto3

        boto3.client("ses").verify_email_identity(EmailAddress=doc.email_from)
    _print_apply(result, doc)
    return 0


def cmd_settings_export(args: argparse.Namespace) -> int:
    import yaml

    doc = _admin(args).settings.export(args.org_id)
    print(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True) if not args.json else json.dumps(doc, indent=2))
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    replayer = _admin(args).replayer
    if args.delivery:
        result = replayer.replay_delivery(args.org_id, args.delivery)
    else:
        result = replayer.replay_since(args.org_id, args.since, endpoint_id=args.endpoint)
    print(json.dumps(result.as_dict(), indent=2))
    return 0 if result.replayed or not result.skipped else 1


def cmd_report_sms(args: argparse.Namespace) -> int:
    from notify_core.services import reports

    rows = _admin(args).reports.sent_sms(args.org_id, args.date_from, args.date_to)
    sys.stdout.write(reports.to_csv(rows, reports.SMS_COLUMNS))
    return 0


def cmd_report_cost(args: argparse.Namespace) -> int:
    from notify_core.domain.prices import PLATFORM_MEASURED_AT, PRICES_AS_OF
    from notify_core.services import reports

    try:
        rows = _admin(args).reports.cost(args.org_id, args.month)
    except ValueError as exc:
        print(f"notify: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(reports.to_csv(rows, reports.COST_COLUMNS))
    print(
        f"# platform share measured {PLATFORM_MEASURED_AT} (make cost), prices of {PRICES_AS_OF}; SMS at the US rate",
        file=sys.stderr,
    )
    return 0


def cmd_report_recipient(args: argparse.Namespace) -> int:
    from notify_core.services import reports

    rows = _admin(args).reports.recipient_history(args.org_id, args.address, default_region=args.region)
    sys.stdout.write(reports.to_csv(rows, reports.HISTORY_COLUMNS))
    return 0


def cmd_sms_opt(args: argparse.Namespace) -> int:
    from notify_core.domain.addresses import InvalidAddress

    suppression = _admin(args).suppressions
    try:
        if args.action == "opt-out":
            number = suppression.opt_out(args.org_id, args.phone, args.region, detail="notify sms opt-out")
            print(f"{number} opted out of SMS from org {args.org_id}")
        else:
            number, was = suppression.opt_in(args.org_id, args.phone, args.region)
            print(
                f"{number} opted in to SMS from org {args.org_id}"
                if was
                else f"{number} was not opted out of SMS from org {args.org_id}"
            )
    except InvalidAddress as exc:
        print(f"invalid phone number {args.phone!r}: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_users_email(args: argparse.Namespace) -> int:
    enabled = args.action == "email-on"
    _admin(args).users.set_email_enabled(args.user_id, enabled)
    print(f"email {'on' if enabled else 'off'} for user {args.user_id} in every org")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="notify", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = p.add_subparsers(dest="command", required=True)

    local = sub.add_parser("local", help="the embedded local runtime").add_subparsers(dest="action", required=True)
    up = local.add_parser("up", help="start moto, create the platform, drive the handlers until Ctrl-C")
    up.add_argument("--host", default="127.0.0.1")
    up.add_argument("--port", type=int, default=int(os.environ.get("NOTIFY_LOCAL_PORT", "4566")))
    up.add_argument("--receiver-port", type=int, default=0, help="local webhook receiver port (0: any free)")
    up.add_argument("--settings", action="append", help="settings document(s) to apply at start")
    up.add_argument("--log-level", default="WARNING")
    up.set_defaults(func=cmd_local_up)

    settings = sub.add_parser("settings", help="org settings documents").add_subparsers(dest="action", required=True)
    for name, func in (("apply", cmd_settings_apply), ("export", cmd_settings_export)):
        s = settings.add_parser(name)
        if name == "apply":
            s.add_argument("file", help="YAML or JSON settings document")
        else:
            s.add_argument("org_id")
            s.add_argument("--json", action="store_true")
        _target_options(s, "settings")
        s.set_defaults(func=func)

    rp = sub.add_parser("replay", help="send dead/failed deliveries again, with the same delivery id")
    rp.add_argument("org_id")
    which = rp.add_mutually_exclusive_group(required=True)
    which.add_argument("--delivery", help="one delivery id")
    which.add_argument("--since", help="every dead/failed delivery of the org created since (ISO 8601)")
    rp.add_argument("--endpoint", help="with --since: only deliveries to this webhook endpoint")
    _target_options(rp, "deliveries", "settings")
    rp.set_defaults(func=cmd_replay)

    report = sub.add_parser("report", help="reports from the delivery log (CSV)").add_subparsers(
        dest="action", required=True
    )
    sms = report.add_parser("sms", help='the "Sent SMS" report: SMS sent by an org in a date range')
    sms.add_argument("org_id")
    sms.add_argument("--from", dest="date_from", required=True, help="YYYY-MM-DD or ISO 8601 (UTC)")
    sms.add_argument("--to", dest="date_to", required=True, help="YYYY-MM-DD (the whole day) or ISO 8601")
    _target_options(sms, "deliveries")
    sms.set_defaults(func=cmd_report_sms)
    rec = report.add_parser("recipient", help="every delivery to one email address or phone number in an org")
    rec.add_argument("org_id")
    rec.add_argument("address")
    rec.add_argument("--region", help="default phone region for national numbers (e.g. BY)")
    _target_options(rec, "deliveries")
    rec.set_defaults(func=cmd_report_recipient)
    cost = report.add_parser("cost", help="an org's deliveries of one month by channel, with the AWS cost they caused")
    cost.add_argument("org_id")
    cost.add_argument("--month", required=True, help="YYYY-MM (UTC)")
    _target_options(cost, "deliveries")
    cost.set_defaults(func=cmd_report_cost)

    opt = sub.add_parser("sms", help="SMS opt-outs (per org)").add_subparsers(dest="action", required=True)
    for name, help_text in (("opt-out", "stop SMS from this org to the number"), ("opt-in", "undo an opt-out")):
        s = opt.add_parser(name, help=help_text)
        s.add_argument("org_id")
        s.add_argument("phone", help="E.164, or national with --region")
        s.add_argument("--region", help="country of a national number, e.g. BY")
        _target_options(s, "suppressions")
        s.set_defaults(func=cmd_sms_opt)

    users = sub.add_parser("users", help="user-level settings that span every org").add_subparsers(
        dest="action", required=True
    )
    for name, help_text in (("email-off", "no email to this user from any org"), ("email-on", "email again")):
        s = users.add_parser(name, help=help_text)
        s.add_argument("user_id")
        _target_options(s, "users")
        s.set_defaults(func=cmd_users_email)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
