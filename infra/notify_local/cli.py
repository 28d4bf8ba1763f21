"""The ``notify`` command: the operator's tools, and the local runtime.

    notify local up [--settings FILE ...]                    run the platform on moto until Ctrl-C
    notify local advance 3d                                  move a running local runtime's clock on (3d, 12h, 1d6h)
    notify local now                                         where its clock is
    notify items show ORG_ID TYPE:ID                         a pending item: its series and audit trail
    notify items list ORG_ID [--type TYPE]                   an org's pending items (and those done lately)
    notify settings validate FILE                            check a settings document (offline)
    notify settings apply FILE                               load an org's settings document
    notify settings export ORG_ID                            print an org's settings document
    notify events show ORG_ID EVENT_ID                       what happened to one event (problems, refusals)
    notify events list ORG_ID                                the org's events that had problems or were refused
    notify sms opt-out ORG_ID PHONE                          stop SMS from this org to the number
    notify sms opt-in ORG_ID PHONE                           undo an opt-out
    notify replay ORG_ID (--delivery ID | --since TIME [--endpoint ID])
                                                             send dead/failed deliveries again (same id)
    notify report sms ORG_ID --from DATE --to DATE           the "Sent SMS" report, CSV
    notify report recipient ORG_ID ADDRESS                   every delivery to one address, CSV
    notify report cost ORG_ID --month YYYY-MM                 a month's deliveries by channel and their AWS cost, CSV
    notify users email-off|email-on USER_ID                  the user's email switch, for every org

Every command but ``local up`` and ``settings validate`` takes ``--local [URL]`` (a running local runtime) or
``--stack NAME`` (AWS, with the usual credentials): the stack's outputs give every table name and queue URL.
Without either, they come from the environment as the functions get them ($SETTINGS_TABLE, $DELIVERIES_TABLE,
$SUPPRESSIONS_TABLE, $USERS_TABLE, $ROUTING_TABLE, and for ``replay`` the channel queues: $EMAIL_QUEUE_URL, ...)
or from the --*-table options.

A problem (a file that is not there, YAML that does not parse, a document that does not validate, AWS out of
reach or refusing) is one line on stderr and exit code 2; ``--debug`` shows the traceback as well.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

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
        ("routing_table", config.ROUTING_TABLE),
        ("items_table", config.ITEMS_TABLE),
        ("inbox_table", config.INBOX_TABLE),
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


def _print_apply(result: Any) -> None:
    print(f"applied settings for org {result.org_id}: {result.written} items written, {result.deleted} removed")
    for endpoint_id, secret in result.generated_secrets.items():
        # Shown once, to hand to the receiver; it is stored only in SSM (SecureString).
        print(f"  webhook endpoint {endpoint_id}: new signing secret {secret}")


# ------------------------------------------------------------------------------------------------------ errors
class CliError(Exception):
    """A problem the user can fix, said in one line per problem (exit code 2)."""

    def __init__(self, *lines: str) -> None:
        super().__init__(lines[0] if lines else "")
        self.lines = lines


RECEIVER = "$receiver"  # in a document for `notify local up`: the local receiver's URL


def _read_document(path: str, *, receiver: str | None = None) -> Any:
    """A settings document from a file, or a ``CliError`` naming the file and each problem (offline).

    ``receiver``: what ``$receiver`` stands for (``local up`` documents name the local receiver so)."""
    import yaml
    from pydantic import ValidationError

    from notify_core.domain import settings_document

    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CliError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CliError(f"{path}: a directory, not a settings document") from None
    except (PermissionError, UnicodeDecodeError) as exc:
        raise CliError(f"{path}: cannot read it ({type(exc).__name__}: {exc})") from None
    if receiver is not None:
        text = text.replace(RECEIVER, receiver)
    try:
        return settings_document.parse(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CliError(f"{path}: not valid YAML: {where}{problem}") from None
    except ValidationError as exc:
        raise CliError(*(f"{path}: {line}" for line in validation_lines(exc))) from None
    except ValueError as exc:
        raise CliError(f"{path}: {exc}") from None


def validation_lines(exc: Any) -> list[str]:
    """A pydantic ValidationError as one line per problem, without pydantic's URLs and input dumps."""
    lines = []
    for e in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(p) for p in e["loc"])
        message = e["msg"].removeprefix("Value error, ")
        # The document-wide checks report many problems in one error: a line each.
        for part in message.split("; ") if not where else [message]:
            lines.append(f"{where}: {part}" if where else part)
    return lines


def explain(exc: BaseException) -> list[str]:
    """What went wrong, in a line a newcomer can act on (for errors that are not ``CliError``)."""
    from botocore import exceptions as aws

    from notify_core.config import ConfigurationError
    from notify_core.domain.addresses import InvalidAddress
    from notify_local.api_cli import ApiCallError

    if isinstance(exc, CliError | ApiCallError):
        return list(exc.lines)
    cause = getattr(exc, "cause", None) or exc.__cause__  # PynamoDB wraps botocore's errors (PutError...)
    if isinstance(cause, aws.BotoCoreError | aws.ClientError):
        return explain(cause)
    if isinstance(exc, aws.EndpointConnectionError):
        return [f"cannot reach {exc.kwargs.get('endpoint_url')}: is the local runtime running (notify local up)?"]
    if isinstance(exc, aws.NoRegionError):
        return ["no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION), or use --local for the local runtime"]
    if isinstance(exc, aws.NoCredentialsError | aws.PartialCredentialsError):
        return ["no AWS credentials: configure them (aws configure, AWS_PROFILE), or use --local"]
    if isinstance(exc, aws.ClientError):
        error = exc.response.get("Error", {})
        return [f"AWS refused {exc.operation_name}: {error.get('Code')}: {error.get('Message')}"]
    if isinstance(exc, aws.BotoCoreError):
        return [f"AWS: {exc}"]
    if isinstance(exc, ConfigurationError | InvalidAddress):
        return [str(exc)]
    if isinstance(exc, ConnectionError | OSError):
        return [f"{type(exc).__name__}: {exc}"]
    first = str(exc).splitlines()[0] if str(exc) else ""
    return [f"{type(exc).__name__}: {first}" if first else type(exc).__name__]


# ---------------------------------------------------------------------------------------------------- commands
def cmd_local_up(args: argparse.Namespace) -> int:
    import logging

    from notify_local.runtime import LocalRuntime
    from notify_local.tail import Narrator

    docs = [(f, Path(f).read_text(encoding="utf-8")) if Path(f).is_file() else (f, None) for f in args.settings or []]
    for f, text in docs:
        if text is None:
            raise CliError(f"{f}: no such file")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    log_path = Path(args.log_file)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("a", encoding="utf-8") as sink:
        # The handlers' raw JSON logs and EMF metrics go to the file; the terminal gets a line per delivery.
        rt = LocalRuntime(host=args.host, port=args.port, log_level=args.log_level, handler_output=sink)
        rt.start()
        receiver = rt.start_receiver(args.receiver_port)
        from notify_local.control import ControlServer

        control = ControlServer(rt, port=args.control_port).start()
        try:
            api = rt.start_api(args.api_port)
            print(f"notify local runtime up: AWS endpoint {rt.endpoint_url} (region {rt.region}, bus 'notify')")
            print(f"clock: {control.url}/clock (notify local advance 3d --control {control.url})")
            print(f"receiver: {receiver.url}/<any path> (webhooks; answers as Slack does; plays the Telegram Bot API)")
            print(f"admin API: {api.url} (token: notify local token --user USER_ID)")
            for f, text in docs:
                document = str(text).replace("$receiver", receiver.url)
                try:
                    _print_apply(rt.apply_settings(document))
                except Exception as exc:
                    raise CliError(*(f"{f}: {line}" for line in _document_problem(exc))) from None
            print(
                "publish with boto3: boto3.client('events', endpoint_url=..., region_name=...)"
                ".put_events(Entries=[{'EventBusName': 'notify', ...}])"
            )
            print(f"raw handler logs and metrics: {log_path}; Ctrl-C to stop")
            narrator = Narrator(rt, out=sys.stdout)
            narrator.start()
            stop = threading.Event()
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
            try:
                while not stop.wait(1.0):
                    pass
            except KeyboardInterrupt:
                pass
            narrator.stop()
        finally:
            control.stop()
            rt.stop()
            receiver.stop()
    return 0


def cmd_local_token(args: argparse.Namespace) -> int:
    """An access token of the running local runtime's user pool (moto's cognito-idp), for the admin API."""
    from notify_local import cognito

    region = os.environ.get("AWS_DEFAULT_REGION", "eu-west-1")
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    try:
        pool = cognito.find_user_pool(region, args.local)
    except LookupError as exc:
        raise CliError(str(exc)) from None
    print(cognito.token(pool, args.user, groups=(cognito.OPERATORS_GROUP,) if args.operator else ()))
    return 0


def _control(url: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    import urllib.error
    import urllib.request

    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"{url.rstrip('/')}{path}", data=data, method="GET" if data is None else "POST")
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=600) as resp:
            return dict(json.loads(resp.read()))
    except urllib.error.HTTPError as exc:
        raise CliError(f"the local runtime answered {exc.code}: {exc.read().decode()[:300]}") from None
    except urllib.error.URLError as exc:
        raise CliError(f"no local runtime's clock at {url} ({exc.reason}): is `notify local up` running?") from None


def cmd_local_advance(args: argparse.Namespace) -> int:
    from notify_local.clock import parse_duration

    try:
        delta = parse_duration(args.duration)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    answer = _control(args.control, "/clock/advance", {"seconds": delta.total_seconds()})
    print(f"clock now {answer['now']} (moved on {args.duration}; everything due on the way has happened)")
    return 0


def cmd_local_now(args: argparse.Namespace) -> int:
    print(_control(args.control, "/clock")["now"])
    return 0


def _item_lines(item: Any) -> list[str]:
    s = item.settings
    lines = [
        f"{item.item_type}:{item.item_id} in {item.org_id}: {item.state}"
        + (f" ({item.done_reason} at {item.done_at})" if item.state == "done" else ""),
        f"  reminders {'on' if s.enabled else 'off'}: every {s.every_days} days, {s.count} in all; "
        f"series {item.series}, {item.sent} sent"
        + (f"; next at {item.next_at}" if item.next_at else "; nothing scheduled"),
    ]
    if item.start_event_id:
        lines.append(f"  started by {item.event_type} {item.start_event_id} at {item.started_at}")
    lines.append("  audit trail:")
    for e in item.audit:
        lines.append(f"    {e.at}  {e.what:<13} {e.detail}" + (f"  [event {e.event_id}]" if e.event_id else ""))
    return lines


def cmd_items_show(args: argparse.Namespace) -> int:
    item_type, sep, item_id = args.item.partition(":")
    if not sep or not item_id:
        raise CliError(f"{args.item!r}: name the item as TYPE:ID, e.g. signature:doc-8812 or chat:thr-5521")
    item = _admin(args).items.get(args.org_id, item_type, item_id)
    if item is None:
        print(f"no item {args.item} in org {args.org_id}")
        return 1
    print("\n".join(_item_lines(item)))
    return 0


def cmd_items_list(args: argparse.Namespace) -> int:
    for item in _admin(args).items.for_org(args.org_id, item_type=args.type):
        print("\n".join(_item_lines(item)[:2]))
    return 0


def _document_problem(exc: Exception) -> list[str]:
    from pydantic import ValidationError

    return validation_lines(exc) if isinstance(exc, ValidationError) else explain(exc)


def cmd_settings_validate(args: argparse.Namespace) -> int:
    # A document written for `notify local up` names its receiver as $receiver: read it as a loopback URL.
    doc = _read_document(args.file, receiver="http://127.0.0.1:9000")
    counts = ", ".join(
        f"{len(items)} {name}"
        for name, items in (
            ("contacts", doc.contacts),
            ("members", doc.members),
            ("clients", doc.clients),
            ("webhook endpoints", doc.webhook_endpoints),
            ("subscriptions", doc.subscriptions),
        )
    )
    print(f"{args.file}: a valid settings document for org {doc.org_id} ({counts})")
    if doc.publishers is None:
        print(
            f"{args.file}: note: it names no publishers: any product the bus admits may publish for {doc.org_id} "
            '(unless the deployment requires publishers; see README "Publishers")'
        )
    return 0


def cmd_settings_apply(args: argparse.Namespace) -> int:
    doc = _read_document(args.file)
    result = _admin(args).settings.apply(doc)
    if args.local and doc.email_from:
        import boto3

        boto3.client("ses").verify_email_identity(EmailAddress=doc.email_from)
    _print_apply(result)
    return 0


def cmd_settings_export(args: argparse.Namespace) -> int:
    import yaml

    doc = _admin(args).settings.export(args.org_id)
    print(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True) if not args.json else json.dumps(doc, indent=2))
    return 0


def _record_lines(record: Any) -> list[str]:
    what = record.reason if record.outcome == "quarantined" else ", ".join(f"{k} {v}" for k, v in record.counts.items())
    lines = [f"{record.event_id}  {record.event_type or '?'}  {record.outcome}: {what}  ({record.recorded_at})"]
    if record.detail:
        lines.append(f"    {record.detail}")
    lines += [f"    {p.reason}: {p.detail}" for p in record.problems]
    return lines


def cmd_events_show(args: argparse.Namespace) -> int:
    records = _admin(args).routing.for_event(args.org_id, args.event_id)
    if not records:
        print(
            f"no record of event {args.event_id} in org {args.org_id}: it was routed without a problem (see its "
            "deliveries: notify report recipient), or never reached the router"
        )
        return 0
    for record in records:
        print("\n".join(_record_lines(record)))
    return 0


def cmd_events_list(args: argparse.Namespace) -> int:
    for record in _admin(args).routing.for_org(args.org_id, limit=args.limit):
        print("\n".join(_record_lines(record)))
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
        raise CliError(f"invalid phone number {args.phone!r}: {exc}") from None
    return 0


def cmd_erase(args: argparse.Namespace) -> int:
    from notify_core.domain import erasure

    eraser = _admin(args).eraser
    try:
        subject = eraser.subject(args.org_id, email=args.email, phone=args.phone, user_id=args.user)
        report = eraser.erase(args.org_id, subject)
    except (erasure.InvalidSubject, erasure.LastAdmin) as exc:
        raise CliError(str(exc)) from None
    print(json.dumps(report.as_dict(), indent=2))
    return 0


def cmd_users_email(args: argparse.Namespace) -> int:
    enabled = args.action == "email-on"
    _admin(args).users.set_email_enabled(args.user_id, enabled)
    print(f"email {'on' if enabled else 'off'} for user {args.user_id} in every org")
    return 0


# ------------------------------------------------------------------------------------------------------ parser
def build_parser() -> argparse.ArgumentParser:
    # --debug before or after the command; a leaf's default must not undo the top level's (hence SUPPRESS).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="on an error, show the traceback"
    )
    p = argparse.ArgumentParser(
        prog="notify", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--debug", action="store_true", help="on an error, show the traceback too")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(parent: Any, name: str, help_text: str, func: Any, epilog: str | None = None) -> Any:
        c = parent.add_parser(
            name,
            help=help_text,
            description=help_text[:1].upper() + help_text[1:] + ".",
            epilog=epilog,
            parents=[common],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        c.set_defaults(func=func)
        return c

    local = sub.add_parser("local", help="the embedded local runtime (moto)").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    up = command(
        local,
        "up",
        "start moto, create the platform, drive the handlers until Ctrl-C; print a line per delivery",
        cmd_local_up,
        epilog="example: notify local up --settings infra/notify_local/demo/hutki.yaml",
    )
    up.add_argument("--host", default="127.0.0.1")
    up.add_argument("--port", type=int, default=int(os.environ.get("NOTIFY_LOCAL_PORT", "4566")))
    up.add_argument("--receiver-port", type=int, default=0, help="the local receiver's port (0: any free)")
    up.add_argument(
        "--settings",
        action="append",
        metavar="FILE",
        help="settings document(s) to apply at start ($receiver: its URL)",
    )
    up.add_argument(
        "--api-port",
        type=int,
        default=int(os.environ.get("NOTIFY_API_PORT", "4567")),
        help="the admin API's port (API Gateway and its JWT authorizer, played; 0: any free)",
    )
    up.add_argument("--log-level", default="INFO", help="of the handlers' logs, written to --log-file")
    tok = command(
        local,
        "token",
        "print an access token of the local user pool for the admin API (the user is created on first use)",
        cmd_local_token,
        epilog='example: curl -H "Authorization: Bearer $(notify local token --user u-anna)" http://127.0.0.1:4567/me',
    )
    tok.add_argument("--user", required=True, help="the user id (members carry it in the org's document)")
    tok.add_argument("--operator", action="store_true", help="in the notify-operators group (may create orgs)")
    tok.add_argument("--local", default=DEFAULT_LOCAL, metavar="URL", help="the local runtime's AWS endpoint")
    up.add_argument("--control-port", type=int, default=4568, help="the clock's HTTP port (notify local advance)")
    control = f"http://127.0.0.1:{4568}"
    adv = command(
        local,
        "advance",
        "move a running local runtime's clock on; returns once everything due on the way has happened",
        cmd_local_advance,
        epilog="example: notify local advance 3d",
    )
    adv.add_argument("duration", help="3d, 12h, 30m, 45s, or several: 1d12h")
    adv.add_argument("--control", default=control, help=f"the runtime's clock (default {control})")
    now = command(local, "now", "where a running local runtime's clock is (UTC)", cmd_local_now)
    now.add_argument("--control", default=control, help=f"the runtime's clock (default {control})")
    up.add_argument("--log-file", default=str(Path(".notify-local") / "local-up.log"), help="raw logs and metrics")

    settings = sub.add_parser("settings", help="org settings documents (YAML or JSON)").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    v = command(settings, "validate", "check a settings document without applying it (offline)", cmd_settings_validate)
    v.add_argument("file", help="YAML or JSON settings document")
    a = command(
        settings,
        "apply",
        "replace an org's settings with a document (addresses are checked first)",
        cmd_settings_apply,
        epilog="example: notify settings apply my-org.yaml --local",
    )
    a.add_argument("file", help="YAML or JSON settings document")
    _target_options(a, "settings")
    e = command(settings, "export", "print an org's settings document (secrets left out)", cmd_settings_export)
    e.add_argument("org_id")
    e.add_argument("--json", action="store_true", help="JSON instead of YAML")
    _target_options(e, "settings")

    events = sub.add_parser("events", help="what happened to events: problems and refusals").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    show = command(
        events,
        "show",
        "one event's routing records (its configuration problems, or why it was refused)",
        cmd_events_show,
    )
    show.add_argument("org_id")
    show.add_argument("event_id")
    _target_options(show, "routing")
    listed = command(events, "list", "an org's events that had problems or were refused", cmd_events_list)
    listed.add_argument("org_id")
    listed.add_argument("--limit", type=int, default=50)
    _target_options(listed, "routing")

    rp = command(sub, "replay", "send dead/failed deliveries again, with the same delivery id", cmd_replay)
    rp.add_argument("org_id")
    which = rp.add_mutually_exclusive_group(required=True)
    which.add_argument("--delivery", help="one delivery id")
    which.add_argument("--since", help="every dead/failed delivery of the org created since (ISO 8601)")
    rp.add_argument("--endpoint", help="with --since: only deliveries to this webhook endpoint")
    _target_options(rp, "deliveries", "settings")

    report = sub.add_parser("report", help="reports from the delivery log (CSV)").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    sms = command(report, "sms", 'the "Sent SMS" report: SMS sent by an org in a date range', cmd_report_sms)
    sms.add_argument("org_id")
    sms.add_argument("--from", dest="date_from", required=True, help="YYYY-MM-DD or ISO 8601 (UTC)")
    sms.add_argument("--to", dest="date_to", required=True, help="YYYY-MM-DD (the whole day) or ISO 8601")
    _target_options(sms, "deliveries")
    rec = command(
        report, "recipient", "every delivery to one email address or phone number in an org", cmd_report_recipient
    )
    rec.add_argument("org_id")
    rec.add_argument("address")
    rec.add_argument("--region", help="default phone region for national numbers (e.g. BY)")
    _target_options(rec, "deliveries")
    cost = command(
        report, "cost", "an org's deliveries of one month by channel, with the AWS cost they caused", cmd_report_cost
    )
    cost.add_argument("org_id")
    cost.add_argument("--month", required=True, help="YYYY-MM (UTC)")
    _target_options(cost, "deliveries")

    opt = sub.add_parser("sms", help="SMS opt-outs (per org)").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    for name, help_text in (("opt-out", "stop SMS from this org to the number"), ("opt-in", "undo an opt-out")):
        o = command(opt, name, help_text, cmd_sms_opt)
        o.add_argument("org_id")
        o.add_argument("phone", help="E.164, or national with --region")
        o.add_argument("--region", help="country of a national number, e.g. BY")
        _target_options(o, "suppressions")

    items = sub.add_parser("items", help="pending items: reminder series and audit trails").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    ishow = command(
        items,
        "show",
        "one item's series and audit trail",
        cmd_items_show,
        epilog="example: notify items show studio-rossi signature:doc-8812 --local",
    )
    ishow.add_argument("org_id")
    ishow.add_argument("item", help="TYPE:ID (signature:<document>, approval:<document>, chat:<thread>)")
    _target_options(ishow, "items")
    ilist = command(items, "list", "an org's items", cmd_items_list)
    ilist.add_argument("org_id")
    ilist.add_argument("--type", choices=["chat", "signature", "approval"])
    _target_options(ilist, "items")

    from notify_local import api_cli

    api_cli.add_commands(sub, command, DEFAULT_LOCAL)

    er = command(
        sub,
        "erase",
        "forget a person in one org: settings, delivery log, inbox; their addresses stay suppressed as hashes",
        cmd_erase,
        epilog="example: notify erase hutki-demo --email anna@hutki.example --local",
    )
    er.add_argument("org_id")
    who = er.add_mutually_exclusive_group(required=True)
    who.add_argument("--email", help="an email address")
    who.add_argument("--phone", help="E.164, or national in the org's default region")
    who.add_argument("--user", help="a member's user id")
    _target_options(er, "settings", "deliveries", "suppressions", "inbox")

    users = sub.add_parser("users", help="user-level settings that span every org").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    for name, help_text in (("email-off", "no email to this user from any org"), ("email-on", "email again")):
        u = command(users, name, help_text, cmd_users_email)
        u.add_argument("user_id")
        _target_options(u, "users")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if args.debug:
            raise
        for line in explain(exc):
            print(f"notify: {line}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
