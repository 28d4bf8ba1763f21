"""Documents attached to emails, read from the platform's attachments bucket (S3).

Only references travel in queue messages (``key``, ``filename``, ``content_type``; the router checked
the key is under the event's ``<org_id>/``). At send time: HeadObject for every document first, so that a
delivery over the size limits fails before anything is downloaded, then GetObject each, pinned to the
ETag HeadObject saw (an object replaced in between is not mailed unchecked).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from notify_core.domain.errors import PermanentDeliveryError, TransientDeliveryError
from notify_core.domain.mime import Document, check_sizes

# A missing object is retried, not failed at once. S3 is strongly consistent, so "missing" means either
# the product published the event before its upload finished (an upload racing the event: retrying within
# the queue's few attempts, 30 s to minutes apart, delivers the mail) or a wrong or expired key (retries
# cannot help, but they cost one HeadObject each and the delivery still ends `dead` with this code, its
# message kept for `notify replay` once the document is there). Failing at once would lose every race.
# 403 counts as missing: the sender holds s3:GetObject only, not s3:ListBucket, and S3 then answers a
# missing key with 403 rather than 404 (a genuine permission problem is an operator fix + replay too).
_MISSING = {"404", "NoSuchKey", "NotFound", "403", "AccessDenied", "Forbidden"}
# Replaced between HeadObject and GetObject: read it again (and check its size again) on the next try.
_CHANGED = {"412", "PreconditionFailed"}
# Archived to a storage class that needs a restore: no retry in the next minutes will read it.
_PERMANENT = {"InvalidObjectState"}


def _error(exc: Exception, filename: str) -> Exception:
    if isinstance(exc, BotoCoreError):
        return TransientDeliveryError("attachment_unreachable", f"{filename!r}: {exc}")
    if not isinstance(exc, ClientError):
        return exc
    code = str(exc.response.get("Error", {}).get("Code", "ClientError"))
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if code in _MISSING:
        return TransientDeliveryError(
            "attachment_missing", f"{filename!r}: no readable object ({code})", http_status=status
        )
    if code in _CHANGED:
        return TransientDeliveryError("attachment_changed", f"{filename!r} was replaced while being read")
    if code in _PERMANENT:
        return PermanentDeliveryError("attachment_unavailable", f"{filename!r}: {code}", http_status=status)
    # Throttling (SlowDown, 503), 5xx and anything unknown: retried, then dead with this code.
    return TransientDeliveryError(f"attachment_unavailable:{code}", f"{filename!r}", http_status=status)


class AttachmentStore:
    """The attachments bucket as the email sender reads it, within the configured size limits."""

    def __init__(self, s3: Any, bucket: str, *, max_file_bytes: int, max_total_bytes: int) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.max_file_bytes = max_file_bytes
        self.max_total_bytes = max_total_bytes

    def fetch(self, message: dict[str, Any]) -> list[Document]:
        """The documents of an email delivery, or a delivery error."""
        refs: list[dict[str, str]] = message["attachments"]
        prefix = f"{message['org_id']}/"
        for ref in refs:
            # Checked by the router; checked again here because a queue message can also come from a replay.
            if not ref["key"].startswith(prefix):
                raise PermanentDeliveryError(
                    "attachment_outside_tenant", f"{ref['filename']!r} is not under {prefix!r}"
                )
        heads: list[tuple[dict[str, str], int, str | None]] = []
        for ref in refs:
            try:
                head = self.s3.head_object(Bucket=self.bucket, Key=ref["key"])
            except Exception as exc:
                raise _error(exc, ref["filename"]) from exc
            heads.append((ref, int(head["ContentLength"]), head.get("ETag")))
        check_sizes(
            [(ref["filename"], size) for ref, size, _ in heads],
            max_file_bytes=self.max_file_bytes,
            max_total_bytes=self.max_total_bytes,
        )
        documents = []
        for ref, size, etag in heads:
            extra = {"IfMatch": etag} if etag else {}
            try:
                obj = self.s3.get_object(Bucket=self.bucket, Key=ref["key"], **extra)
                # Never more than HeadObject promised, whatever the body turns out to be.
                data = obj["Body"].read(size + 1)
            except Exception as exc:
                raise _error(exc, ref["filename"]) from exc
            if len(data) != size:
                raise TransientDeliveryError("attachment_changed", f"{ref['filename']!r} was replaced while being read")
            documents.append(Document(filename=ref["filename"], content_type=ref["content_type"], data=data))
        return documents
