"""``notify api ...``: the admin commands over the admin API (locally, or a deployed stack's ``AdminApiUrl``).

Where the other ``notify`` commands talk to the tables, these talk HTTP to the API, with a token: ``--token`` (or
``$NOTIFY_TOKEN``: a Cognito access token on AWS), or ``--user U`` on the local runtime (signed in through its user
pool, as ``notify local token`` does). The API decides what the token may do in each org, as for any client.

- ``settings export ORG [--out FILE]``: the org's document as YAML, its ETag in the first line's comment;
- ``settings import FILE [--dry-run]``: the changes, then (not on a dry run) the import with that ETag as
  ``If-Match``: an edit of a document someone changed since is refused (409), never silently merged;
- ``matrix ORG``: the subscription matrix as a table per scope (group x channel -> chosen);
- ``deliveries ORG [filters] [--all]``: the delivery log as a table (``--all`` follows every page, with progress);
- ``replay ORG --delivery ID | --since WHEN [--until WHEN]``; ``report sms ORG --from --to`` (CSV);
- ``templates list ORG``; ``templates get|put|delete|preview ORG EVENT CHANNEL LOCALE`` (put FILE; preview
  [--file FILE] [--data JSON_FILE]): the org's own templates.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Sequence
from typing import Any

ETAG_COMMENT = "# etag: "


class ApiCallError(Exception):
    def __init__(self, *lines: str) -> None:
        super().__init__(lines[0] if lines else "")
        self.lines = lines


def client(args: argparse.Namespace) -> Any:
    from notify_local.api_server import ApiClient

    token = args.token or os.environ.get("NOTIFY_TOKEN")
    if not token and args.user:
        from notify_local import cognito

        os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
        region = os.environ.get("AWS_DEFAULT_REGION", "eu-west-1")
        token = cognito.token(cognito.find_user_pool(region, args.local), args.user)
    if not token:
        raise ApiCallError("no token: give --token (or $NOTIFY_TOKEN), or --user USER_ID on the local runtime")
    return ApiClient(args.url, token)


def _ok(response: Any, *expected: int) -> Any:
    if response.status in (expected or (200,)):
        return response
    try:
        body = response.json() or {}
    except ValueError:
        body = {}
    lines = [f"{response.status}: {body.get('message') or body.get('error') or response.text[:200]}"]
    lines += [f"  {f['field']}: {f['message']}" for f in body.get("fields", [])]
    raise ApiCallError(*lines)


def table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> str:
    """A plain text table: columns as wide as their widest cell (capped), a rule under the header."""
    cells = [[str(c) if c is not None else "" for c in row] for row in [header, *rows]]
    widths = [min(max(len(r[i]) for r in cells), 48) for i in range(len(header))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(c[:48].ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


# -------------------------------------------------------------------------------------------------- commands
def cmd_settings_export(args: argparse.Namespace) -> int:
    import yaml

    r = _ok(client(args).get(f"/orgs/{args.org_id}/settings"))
    text = (
        ETAG_COMMENT + r.headers.get("etag", "") + "\n" + yaml.safe_dump(r.json(), sort_keys=False, allow_unicode=True)
    )
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"wrote {args.out} (etag {r.headers.get('etag')})", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_settings_import(args: argparse.Namespace) -> int:
    import yaml

    with open(args.file, encoding="utf-8") as f:
        text = f.read()
    first = text.splitlines()[0] if text else ""
    etag = args.if_match or (first[len(ETAG_COMMENT) :].strip() if first.startswith(ETAG_COMMENT) else None)
    document = yaml.safe_load(text)
    if not isinstance(document, dict) or "org_id" not in document:
        raise ApiCallError(f"{args.file}: not a settings document (a mapping with org_id)")
    api = client(args)
    path = f"/orgs/{document['org_id']}/settings"
    dry = _ok(api.put(path, document, query={"dry_run": "true"})).json()
    changes = [(c["op"], c["path"]) for c in dry["changes"]]
    sys.stdout.write(table(changes, ("change", "what")) if changes else "no changes\n")
    if args.dry_run:
        return 0
    if not etag:
        raise ApiCallError(f"{args.file} names no etag (export it with `notify api settings export`), or --if-match")
    done = _ok(api.put(path, document, headers={"If-Match": etag})).json()
    print(f"imported {document['org_id']}: {len(changes)} changes, new etag {done['etag']}")
    for endpoint, secret in done["generated_secrets"].items():
        print(f"  webhook endpoint {endpoint}: new signing secret {secret} (shown once)")
    return 0


def cmd_matrix(args: argparse.Namespace) -> int:
    matrix = _ok(client(args).get(f"/orgs/{args.org_id}/subscriptions")).json()
    for scope in matrix["scopes"]:
        groups = sorted({c["group"] for c in scope["cells"]})
        cells = {(c["group"], c["channel"]): c for c in scope["cells"]}
        rows = []
        for group in groups:
            row: list[Any] = [group]
            for channel in ("email", "sms", "webhook"):
                cell = cells.get((group, channel))
                row.append("n/a" if cell is None else ", ".join([*cell["targets"], *cell["addresses"]]) or "-")
            rows.append(row)
        print(f"scope {scope['scope']}")
        sys.stdout.write(table(rows, ("group", "email", "sms", "webhook")))
        print()
    return 0


def _pages(api: Any, path: str, query: dict[str, Any], everything: bool) -> Iterable[dict[str, Any]]:
    cursor, n = None, 0
    while True:
        page = _ok(api.get(path, query={**query, "cursor": cursor})).json()
        n += len(page["items"])
        yield from page["items"]
        cursor = page["next_cursor"]
        if not everything or not cursor:
            return
        print(f"  ... {n} so far", file=sys.stderr, flush=True)  # a long listing is not silent


def cmd_deliveries(args: argparse.Namespace) -> int:
    query = {
        "channel": args.channel,
        "status": args.status,
        "event_type": args.event_type,
        "recipient": args.recipient,
        "from": args.date_from,
        "to": args.date_to,
        "limit": args.limit,
    }
    items = list(_pages(client(args), f"/orgs/{args.org_id}/deliveries", query, args.all))
    rows = [
        (
            d["created_at"][:19],
            d["channel"],
            d["status"],
            d["address"],
            d["event_type"],
            d["error_code"],
            d["delivery_id"],
        )
        for d in items
    ]
    sys.stdout.write(table(rows, ("created", "channel", "status", "address", "event", "error", "delivery")))
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    api = client(args)
    if args.delivery:
        result = _ok(api.post(f"/orgs/{args.org_id}/deliveries/{args.delivery}/replay")).json()
    else:
        body = {"since": args.since, "until": args.until, "channel": args.channel}
        result = _ok(api.post(f"/orgs/{args.org_id}/replays", {k: v for k, v in body.items() if v})).json()
    rows = [(d, "replayed") for d in result["replayed"]] + sorted(result["skipped"].items())
    sys.stdout.write(table(rows, ("delivery", "outcome")) if rows else "nothing to replay\n")
    return 0


def cmd_report_sms(args: argparse.Namespace) -> int:
    r = _ok(client(args).get(f"/orgs/{args.org_id}/reports/sms", query={"from": args.date_from, "to": args.date_to}))
    sys.stdout.write(r.text)
    return 0


def _template_path(args: argparse.Namespace) -> str:
    return f"/orgs/{args.org_id}/templates/{args.event_type}/{args.channel}/{args.locale}"


def cmd_templates_list(args: argparse.Namespace) -> int:
    items = list(_pages(client(args), f"/orgs/{args.org_id}/templates", {"limit": 100}, True))
    rows = [(t["event_type"], t["channel"], t["locale"], t["version"], t["updated_at"], t["updated_by"]) for t in items]
    if rows:
        sys.stdout.write(table(rows, ("event type", "channel", "locale", "version", "updated", "by")))
    else:
        print(f"{args.org_id} uses the platform's templates only")
    return 0


def cmd_templates_get(args: argparse.Namespace) -> int:
    r = _ok(client(args).get(_template_path(args)))
    print(f"{{# etag: {r.headers.get('etag', '')} #}}", file=sys.stderr)
    sys.stdout.write(r.json()["source"] + "\n")
    return 0


def cmd_templates_put(args: argparse.Namespace) -> int:
    with open(args.file, encoding="utf-8") as f:
        source = f.read()
    headers = {"If-Match": args.if_match} if args.if_match else None
    r = _ok(client(args).put(_template_path(args), {"source": source}, headers=headers), 200, 201)
    print(f"saved {args.event_type} / {args.channel} / {args.locale}: version {r.json()['version']}")
    return 0


def cmd_templates_delete(args: argparse.Namespace) -> int:
    _ok(client(args).delete(_template_path(args)), 204)
    print(f"removed: {args.event_type} / {args.channel} / {args.locale} uses the platform's template again")
    return 0


def cmd_templates_preview(args: argparse.Namespace) -> int:
    body: dict[str, Any] = {}
    if args.file:
        with open(args.file, encoding="utf-8") as f:
            body["source"] = f.read()
    if args.data:
        with open(args.data, encoding="utf-8") as f:
            body["data"] = json.load(f)
    p = _ok(client(args).post(_template_path(args) + "/preview", body)).json()
    print(f"template: {p['template']} ({p['origin']})")
    if p.get("subject") is not None:
        print(f"subject: {p['subject']}")
    if p.get("segments") is not None:
        print(f"segments: {p['segments']} ({p['encoding']}){' -- cut to its budget' if p['cut'] else ''}")
    print()
    print(p["text"])
    return 0


def cmd_erase(args: argparse.Namespace) -> int:
    body = {k: v for k, v in (("email", args.email), ("phone", args.phone), ("user_id", args.user_id)) if v}
    report = _ok(client(args).post(f"/orgs/{args.org_id}/erasure", body)).json()
    sys.stdout.write(table(sorted(report.items()), ("touched", "count")))
    return 0


def cmd_webhook(args: argparse.Namespace) -> int:
    path = f"/orgs/{args.org_id}/webhook-endpoints/{args.endpoint_id}"
    if args.what == "rotate":
        answer = _ok(client(args).post(f"{path}/rotate-secret", {"grace_hours": args.grace_hours})).json()
        # Shown this once: hand it to the receiver (it is never answered again).
        print(f"new secret: {answer['secret']}")
        print(f"signs from {answer['signs_from']}; the previous one signs until {answer['previous_signs_until']}")
        return 0
    return _probe(_ok(client(args).post(f"{path}/ping")).json())


def cmd_connection_test(args: argparse.Namespace) -> int:
    body = {"chat_id": args.chat_id} if args.chat_id else {}
    return _probe(_ok(client(args).post(f"/orgs/{args.org_id}/connections/{args.kind}/test", body)).json())


def _probe(answer: dict[str, Any]) -> int:
    keys = ("status", "http_status", "error_code", "error_detail", "delivery_id")
    sys.stdout.write(table([[answer[k] for k in keys]], keys))
    return 0 if answer["status"] == "sent" else 1


# ---------------------------------------------------------------------------------------------------- parser
def add_commands(sub: Any, command: Any, default_local: str) -> None:
    api = sub.add_parser("api", help="admin commands over the admin API (HTTP, with a token)")
    api.add_argument(
        "--url", default=os.environ.get("NOTIFY_API_URL", "http://127.0.0.1:4567"), help="the API ($NOTIFY_API_URL)"
    )
    api.add_argument("--token", help="a Cognito access token ($NOTIFY_TOKEN)")
    api.add_argument("--user", help="local runtime only: sign in as this user id through its user pool")
    api.add_argument("--local", default=default_local, metavar="URL", help="the local runtime's AWS endpoint")
    actions = api.add_subparsers(dest="action", required=True, metavar="ACTION")

    settings = actions.add_parser("settings", help="the settings document").add_subparsers(
        dest="what", required=True, metavar="WHAT"
    )
    export = command(settings, "export", "the org's document as YAML (its etag in the first line)", cmd_settings_export)
    export.add_argument("org_id")
    export.add_argument("--out", help="write to this file")
    imp = command(settings, "import", "list the changes, then import (If-Match: the file's etag)", cmd_settings_import)
    imp.add_argument("file")
    imp.add_argument("--dry-run", action="store_true", help="only list the changes")
    imp.add_argument("--if-match", help="the etag the edit started from (default: the file's etag comment)")

    matrix = command(actions, "matrix", "the subscription matrix, a table per scope", cmd_matrix)
    matrix.add_argument("org_id")

    d = command(actions, "deliveries", "the delivery log, newest first", cmd_deliveries)
    d.add_argument("org_id")
    for name in ("channel", "status", "event-type", "recipient"):
        d.add_argument(f"--{name}")
    d.add_argument("--from", dest="date_from")
    d.add_argument("--to", dest="date_to")
    d.add_argument("--limit", type=int, default=50)
    d.add_argument("--all", action="store_true", help="follow every page")

    r = command(actions, "replay", "replay one delivery, or every failure of a window", cmd_replay)
    r.add_argument("org_id")
    which = r.add_mutually_exclusive_group(required=True)
    which.add_argument("--delivery")
    which.add_argument("--since")
    r.add_argument("--until")
    r.add_argument("--channel")

    tpl = actions.add_parser("templates", help="the org's own templates").add_subparsers(
        dest="what", required=True, metavar="WHAT"
    )
    command(tpl, "list", "the org's own templates", cmd_templates_list).add_argument("org_id")
    for name, summary, fn in (
        ("get", "one template's source (its etag on stderr)", cmd_templates_get),
        ("put", "save a template from a file (checked: 400 names why)", cmd_templates_put),
        ("delete", "remove it: the platform's template again", cmd_templates_delete),
        ("preview", "render it (saved, --file or the platform's) with the example or --data", cmd_templates_preview),
    ):
        t = command(tpl, name, summary, fn)
        for arg in ("org_id", "event_type", "channel", "locale"):
            t.add_argument(arg)
        if name == "put":
            t.add_argument("file")
            t.add_argument("--if-match", help="the etag the edit started from (409 if someone saved since)")
        if name == "preview":
            t.add_argument("--file", help="render this source instead of the saved one")
            t.add_argument("--data", help="a JSON file with the event's data (default: the catalog's example)")

    report = actions.add_parser("report", help="reports").add_subparsers(dest="what", required=True, metavar="WHAT")
    sms = command(report, "sms", 'the "Sent SMS" report (CSV)', cmd_report_sms)
    sms.add_argument("org_id")
    sms.add_argument("--from", dest="date_from", required=True)
    sms.add_argument("--to", dest="date_to", required=True)

    er = command(actions, "erase", "forget a person in one org (admins): what it touched, per table", cmd_erase)
    er.add_argument("org_id")
    who = er.add_mutually_exclusive_group(required=True)
    who.add_argument("--email")
    who.add_argument("--phone")
    who.add_argument("--user", dest="user_id")

    hooks = actions.add_parser("webhook", help="a webhook endpoint's secret and ping").add_subparsers(
        dest="what", required=True, metavar="WHAT"
    )
    rot = command(hooks, "rotate", "a new signing secret (printed once); the old one signs on for a while", cmd_webhook)
    rot.add_argument("org_id")
    rot.add_argument("endpoint_id")
    rot.add_argument("--grace-hours", type=int, default=24, help="how long the old secret keeps signing (0-168)")
    ping = command(hooks, "ping", "a signed webhook.ping: what the receiver answered", cmd_webhook)
    ping.add_argument("org_id")
    ping.add_argument("endpoint_id")

    conn = command(actions, "connection-test", "a test message through Slack or Telegram", cmd_connection_test)
    conn.add_argument("org_id")
    conn.add_argument("kind", choices=["slack", "telegram"])
    conn.add_argument("--chat-id", help="Telegram: the chat (default: your member's own)")
