"""One construct per concern; each is built from ``notify_infra.wiring`` and never restates a resource."""

from notify_infra.constructs.alarms import DeadLetterAlarms
from notify_infra.constructs.attachments import Buckets
from notify_infra.constructs.bus import EventRouting
from notify_infra.constructs.functions import Functions
from notify_infra.constructs.queues import Queues
from notify_infra.constructs.tables import Tables

__all__ = ["Buckets", "DeadLetterAlarms", "EventRouting", "Functions", "Queues", "Tables"]
