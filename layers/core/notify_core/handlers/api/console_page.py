# ruff: noqa: E501 - the page and its script are data (HTML and JavaScript), not Python lines to wrap
"""The console: one static page (no build step) over the admin API, served at ``GET /console``.

Sign in by pasting an access token (kept in the tab's sessionStorage only), pick an org, and see the delivery log
with filters (a row opens its attempts), the quarantine, your inbox (mark read) and the subscription matrix. Every
value is put on the page as text (``textContent``), never as markup: delivery data is other people's input. The
page's Content-Security-Policy allows its own script and calls to its own origin only.
"""

from __future__ import annotations

CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

HTML = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>notify console</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1rem; color: #222; }
  header { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin-bottom: 1rem; }
  input, select, button { font: inherit; padding: .25rem .4rem; }
  nav button[aria-selected="true"] { font-weight: bold; border-bottom: 2px solid #246; }
  table { border-collapse: collapse; width: 100%; margin-top: .5rem; }
  th, td { border-bottom: 1px solid #ddd; padding: .25rem .4rem; text-align: left; vertical-align: top; }
  tr.clickable { cursor: pointer; }
  tr.clickable:hover { background: #f3f6fa; }
  #error { color: #a00; min-height: 1.2em; }
  .unread { font-weight: bold; }
</style>
</head>
<body>
<header>
  <strong>notify console</strong>
  <input id="token" type="password" placeholder="access token" size="28" autocomplete="off">
  <input id="org" placeholder="org id" size="16">
  <button id="signin">Open</button>
  <span id="who"></span>
</header>
<nav>
  <button data-tab="deliveries" aria-selected="true">Deliveries</button>
  <button data-tab="quarantine">Quarantine</button>
  <button data-tab="inbox">Inbox</button>
  <button data-tab="matrix">Subscriptions</button>
  <button data-tab="outbox" hidden id="outbox-tab">Local outbox</button>
</nav>
<div id="error" role="alert"></div>
<section id="deliveries">
  <select id="f-channel"><option value="">any channel</option><option>email</option><option>sms</option>
    <option>webhook</option><option>slack</option><option>telegram</option></select>
  <select id="f-status"><option value="">any status</option><option>sent</option><option>delivered</option>
    <option>failed</option><option>dead</option><option>unknown</option><option>retrying</option>
    <option>skipped</option><option>bounced</option></select>
  <input id="f-recipient" placeholder="recipient">
  <button id="f-apply">Filter</button>
  <table id="deliveries-table"></table>
  <button id="more" hidden>More</button>
  <h3 id="attempts-title" hidden>Attempts</h3>
  <table id="attempts-table"></table>
</section>
<section id="quarantine" hidden><table id="quarantine-table"></table></section>
<section id="inbox" hidden><button id="read-all">Mark all read</button><table id="inbox-table"></table></section>
<section id="matrix" hidden><div id="matrix-tables"></div></section>
<section id="outbox" hidden>
  <h3>Emails</h3><div id="outbox-emails"></div>
  <h3>SMS</h3><table id="outbox-sms"></table>
  <h3>Chat (Telegram)</h3><table id="outbox-chat"></table>
  <h3>Webhook and Slack calls</h3><table id="outbox-webhooks"></table>
</section>
<script src="/console/app.js"></script>
</body>
</html>
"""

JS = r"""'use strict';
const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem('notify-token') || '';
let org = sessionStorage.getItem('notify-org') || '';
let cursor = null;
$('token').value = token;
$('org').value = org;

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { 'Authorization': 'Bearer ' + token, 'Content-Type': 'application/json' },
  });
  const type = response.headers.get('content-type') || '';
  const body = type.includes('json') ? await response.json() : await response.text();
  if (!response.ok) {
    const message = (body && body.message) || String(body);
    throw new Error(response.status + ': ' + message);
  }
  return body;
}

function show(error) { $('error').textContent = error ? String(error.message || error) : ''; }

function fill(table, headers, rows, onclick, append = false) {
  if (!append) {
    table.replaceChildren();
    const head = table.insertRow();
    for (const h of headers) { const th = document.createElement('th'); th.textContent = h; head.appendChild(th); }
  }
  for (const row of rows) {
    const tr = table.insertRow();
    for (const value of row.cells) { tr.insertCell().textContent = value === null || value === undefined ? '' : String(value); }
    if (row.className) tr.className = row.className;
    if (onclick) { tr.classList.add('clickable'); tr.addEventListener('click', () => onclick(row.item)); }
  }
}

async function deliveries(append = false) {
  const query = new URLSearchParams({ limit: '25' });
  for (const [key, id] of [['channel', 'f-channel'], ['status', 'f-status'], ['recipient', 'f-recipient']]) {
    if ($(id).value) query.set(key, $(id).value);
  }
  if (append && cursor) query.set('cursor', cursor);
  const page = await api('/orgs/' + encodeURIComponent(org) + '/deliveries?' + query);
  cursor = page.next_cursor;
  $('more').hidden = !cursor;
  fill($('deliveries-table'), ['created', 'channel', 'status', 'to', 'event', 'error'],
    page.items.map((d) => ({ item: d, cells: [d.created_at, d.channel, d.status, d.address, d.event_type, d.error_code] })),
    attempts, append);
}

async function attempts(summary) {
  const d = await api('/orgs/' + encodeURIComponent(org) + '/deliveries/' + encodeURIComponent(summary.delivery_id));
  $('attempts-title').hidden = false;
  $('attempts-title').textContent = 'Attempts of ' + d.delivery_id + ' (' + d.status + ')';
  fill($('attempts-table'), ['#', 'at', 'outcome', 'code', 'HTTP', 'detail'],
    d.attempts.map((a) => ({ cells: [a.number, a.at, a.outcome, a.code, a.http_status, a.detail] })));
}

async function quarantine() {
  const page = await api('/orgs/' + encodeURIComponent(org) + '/quarantine?limit=100');
  fill($('quarantine-table'), ['event', 'type', 'source', 'reason', 'detail', 'when'],
    page.items.map((q) => ({ cells: [q.event_id, q.event_type, q.source, q.reason, q.detail, q.recorded_at] })));
}

async function inbox() {
  const page = await api('/orgs/' + encodeURIComponent(org) + '/inbox?limit=100');
  fill($('inbox-table'), ['when', 'title', 'message', 'read'],
    page.items.map((i) => ({ item: i, className: i.read ? '' : 'unread', cells: [i.created_at, i.title, i.body, i.read ? 'read' : 'new'] })),
    async (item) => { await api('/orgs/' + encodeURIComponent(org) + '/inbox/' + item.id + '/read', { method: 'POST' }); await inbox(); });
}

async function matrix() {
  const m = await api('/orgs/' + encodeURIComponent(org) + '/subscriptions');
  const holder = $('matrix-tables');
  holder.replaceChildren();
  for (const scope of m.scopes) {
    const title = document.createElement('h3');
    title.textContent = 'Scope ' + scope.scope;
    const table = document.createElement('table');
    holder.append(title, table);
    const groups = [...new Set(scope.cells.map((c) => c.group))];
    const chosen = (g, ch) => {
      const c = scope.cells.find((x) => x.group === g && x.channel === ch);
      return c ? ([...c.targets, ...c.addresses].join(', ') || '-') : 'n/a';
    };
    fill(table, ['group', 'email', 'sms', 'webhook'],
      groups.map((g) => ({ cells: [g, chosen(g, 'email'), chosen(g, 'sms'), chosen(g, 'webhook')] })));
  }
}

// Only the local runtime serves what it delivered (every org's): the tab shows when /local/outbox answers.
async function outbox() {
  const out = await api('/local/outbox');
  const holder = $('outbox-emails');
  holder.replaceChildren();
  for (const e of out.emails.slice().reverse()) {
    const title = document.createElement('p');
    title.textContent = e.subject + ' -> ' + e.to.join(', ') + ' (from ' + e.sender + ')';
    const frame = document.createElement('iframe');
    frame.setAttribute('sandbox', '');  // no script, no same origin: the email's HTML is only shown
    frame.setAttribute('title', e.subject);
    frame.style.width = '100%';
    frame.style.height = '240px';
    frame.srcdoc = e.html || e.text || '';
    holder.append(title, frame);
  }
  fill($('outbox-sms'), ['to', 'text'], out.sms.map((m) => ({ cells: [m.to, m.text] })));
  fill($('outbox-chat'), ['chat', 'text'], out.telegram.map((m) => ({ cells: [m.chat_id, m.text] })));
  fill($('outbox-webhooks'), ['path', 'status', 'body'], out.webhooks.map((w) => ({ cells: [w.path, w.status, w.body] })));
}

const tabs = { deliveries, quarantine, inbox, matrix, outbox };
let current = 'deliveries';
async function open(tab) {
  current = tab;
  for (const b of document.querySelectorAll('nav button')) b.setAttribute('aria-selected', String(b.dataset.tab === tab));
  for (const name of Object.keys(tabs)) $(name).hidden = name !== tab;
  show(null);
  try { await tabs[tab](); } catch (e) { show(e); }
}

$('signin').addEventListener('click', async () => {
  token = $('token').value.trim();
  org = $('org').value.trim();
  sessionStorage.setItem('notify-token', token);
  sessionStorage.setItem('notify-org', org);
  try {
    const me = await api('/me');
    $('who').textContent = 'signed in as ' + me.user_id;
    try { await api('/local/outbox'); $('outbox-tab').hidden = false; } catch (e) { $('outbox-tab').hidden = true; }
    await open(current);
  } catch (e) { show(e); }
});
for (const b of document.querySelectorAll('nav button')) b.addEventListener('click', () => open(b.dataset.tab));
$('f-apply').addEventListener('click', () => open('deliveries'));
$('more').addEventListener('click', async () => { try { await deliveries(true); } catch (e) { show(e); } });
$('read-all').addEventListener('click', async () => {
  try { await api('/orgs/' + encodeURIComponent(org) + '/inbox/read-all', { method: 'POST' }); await inbox(); } catch (e) { show(e); }
});
"""
