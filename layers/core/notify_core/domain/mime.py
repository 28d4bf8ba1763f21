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
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from notify_core.domain.errors import PermanentDeliveryError

# CRLF line endings and RFC 2047/2231 encoding of non-ASCII headers and file names, as SMTP wants them.
_POLICY = policy.SMTP


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


def from_header(address: str, display_name: str | None) -> Address:
    """``"Display Name" <address>``: quoted or RFC 2047-encoded by the policy as the name needs (Cyrillic,
    quotes, commas); the bare address when there is no name."""
    name, addr = parseaddr(address)  # a configured sender may carry its own name: "Hutki <billing@…>"
    return Address(display_name=one_line(display_name or name or ""), addr_spec=addr or address)


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
    msg = EmailMessage(policy=_POLICY)
    msg["Subject"] = one_line(subject)
    msg["From"] = from_header(sender, display_name)
    msg["To"] = to
    if reply_to:
        msg["Reply-To"] = reply_to
    # RFC 5322 requires it; SES adds Message-ID itself.
    msg["Date"] = formatdate(usegmt=True)
    # 7-bit safe with no line-length limit to trip over, whatever the template produced: quoted-printable keeps the
    # text readable; the laid-out HTML (~5-6 KB) goes base64, a C encoder, ~2x faster to build than Python's QP.
    msg.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(html, subtype="html", charset="utf-8", cte="base64")
    for doc in documents:
        maintype, subtype = doc.content_type.split("/", 1)
        # Turns the message into multipart/mixed with the alternative part first; a non-ASCII filename is
        # written as RFC 2231 filename*=utf-8''..., which every current client decodes.
        msg.add_attachment(doc.data, maintype=maintype, subtype=subtype, filename=doc.filename)
    raw = msg.as_bytes()
    return unsubscribe_headers(unsubscribe_url) + raw if unsubscribe_url else raw
