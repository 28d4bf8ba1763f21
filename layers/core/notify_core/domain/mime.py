"""An email with attachments as one raw MIME message (stdlib ``email``), and the size rules it must meet.

Pure: no AWS SDK. ``notify_core.attachments`` reads the documents from S3; ``channels.email`` sends the
bytes through SES v2 (``Content.Raw``). The structure is what mail clients expect of a mail with both
bodies and files::

    multipart/mixed
    ├── multipart/alternative
    │   ├── text/plain; charset=utf-8   (quoted-printable)
    │   └── text/html; charset=utf-8    (base64: the laid-out HTML is long, and the stdlib's QP encoder slow)
    └── <content type>; Content-Disposition: attachment; filename*=utf-8''...   (base64), one per document
"""

from __future__ import annotations

from dataclasses import dataclass
from email import charset, encoders, policy
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, parseaddr

from notify_core.domain.errors import PermanentDeliveryError

# CRLF line endings, as SMTP wants them (compat32 rules otherwise: headers are encoded as built above).
_POLICY = policy.compat32.clone(linesep="\r\n")
_QP_UTF8 = charset.Charset("utf-8")
_QP_UTF8.body_encoding = charset.QP


@dataclass(frozen=True)
class Document:
    filename: str
    content_type: str  # validated at the router: type/subtype, lower case
    data: bytes


def megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def check_sizes(sizes: list[tuple[str, int]], *, max_file_bytes: int, max_total_bytes: int) -> None:
    """Refuse, before anything is downloaded, a document or a set of documents over the limits.

    ``sizes``: (filename, bytes) per attachment, from HeadObject. Over a limit is permanent: the same
    documents will be as large on every retry.
    """
    for filename, size in sizes:
        if size > max_file_bytes:
            raise PermanentDeliveryError(
                "attachment_too_large",
                f"{filename!r} is {megabytes(size)} ({size} bytes), over the {megabytes(max_file_bytes)} "
                f"per-file limit",
            )
    total = sum(size for _, size in sizes)
    if total > max_total_bytes:
        listed = ", ".join(f"{name!r} {megabytes(size)}" for name, size in sizes)
        raise PermanentDeliveryError(
            "attachment_too_large",
            f"attachments total {megabytes(total)} ({total} bytes), over the {megabytes(max_total_bytes)} "
            f"limit: {listed}",
        )


def one_line(value: str) -> str:
    """A header value on one line: a subject template may render newlines, which a raw header cannot hold."""
    return " ".join(value.split())


def from_header(address: str, display_name: str | None) -> str:
    """``"Display Name" <address>``: quoted or RFC 2047-encoded as the name needs (Cyrillic, quotes, commas);
    the bare address when there is no name."""
    name, addr = parseaddr(address)  # a configured sender may carry its own name: "Hutki <billing@…>"
    shown = one_line(display_name or name or "")
    return formataddr((shown, addr or address), charset="utf-8") if shown else (addr or address)


def _header(name: str, value: str) -> str | Header:
    """ASCII as it is; anything else RFC 2047-encoded (UTF-8), folded as SMTP wants (a ``Header`` that knows its
    name folds its first line after it, never onto a line of its own, which readers see as a leading space)."""
    return value if value.isascii() else Header(value, "utf-8", header_name=name)


def unsubscribe_headers(url: str) -> bytes:
    """RFC 8058 one-click unsubscribe, written as they must be read: the URL whole on one line (an https URL is
    ASCII and well under RFC 5322's 998; the ``email`` policy would RFC 2047-encode a long one, which breaks it)."""
    if not url.startswith("https://") or any(c in url for c in "\r\n<> ") or len(url) > 900:
        raise ValueError("an unsubscribe URL is one https URL of at most 900 characters")
    return f"List-Unsubscribe: <{url}>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n".encode()


def build_message(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str,
    documents: list[Document],
    display_name: str | None = None,
    reply_to: str | None = None,
    unsubscribe_url: str | None = None,
) -> bytes:
    # The stdlib's email.mime classes (compat32): the same structure and encodings as EmailMessage with the SMTP
    # policy, about four times faster to build (every email goes through here: scripts/bench_email.py).
    body = MIMEMultipart("alternative")
    # 7-bit safe with no line-length limit to trip over, whatever the template produced: quoted-printable keeps the
    # text readable; the laid-out HTML (~5-6 KB) goes base64.
    plain = MIMEText("", "plain", "utf-8")
    del plain["Content-Transfer-Encoding"]
    plain.set_payload(text, _QP_UTF8)
    body.attach(plain)
    body.attach(MIMEText(html, "html", "utf-8"))
    msg: MIMEMultipart = body
    if documents:
        msg = MIMEMultipart("mixed")
        msg.attach(body)
        for doc in documents:
            maintype, subtype = doc.content_type.split("/", 1)
            part = MIMEBase(maintype, subtype)
            part.set_payload(doc.data)
            encoders.encode_base64(part)
            # A non-ASCII filename is written as RFC 2231 filename*=utf-8''..., which every current client decodes.
            filename: str | tuple[str, str, str] = (
                doc.filename if doc.filename.isascii() else ("utf-8", "", doc.filename)
            )
            part.add_header("Content-Disposition", "attachment", filename=filename)
            msg.attach(part)
    msg["Subject"] = _header("Subject", one_line(subject))  # type: ignore[assignment]
    msg["From"] = from_header(sender, display_name)
    msg["To"] = to
    if reply_to:
        msg["Reply-To"] = reply_to
    # RFC 5322 requires it; SES adds Message-ID itself.
    msg["Date"] = formatdate(usegmt=True)
    raw = msg.as_bytes(policy=_POLICY)
    return unsubscribe_headers(unsubscribe_url) + raw if unsubscribe_url else raw
