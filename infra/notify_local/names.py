"""The names AWS resources get in the local runtime, in one place.

Provisioning, the driver (Lambda contexts, SQS records) and the simulators (CloudWatch Logs payloads)
all need the same account, prefix and ARN shapes; deriving them here keeps a queue's ARN in a redrive
policy identical to the one its SQS records carry.
"""

from __future__ import annotations

ACCOUNT = "123456789012"  # moto's default account: the ARNs it returns use it too
NAME_PREFIX = "notify-"


def physical_name(key: str) -> str:
    """A wiring key (``"events"``, ``"deliveries"``) as the resource's name on moto."""
    return f"{NAME_PREFIX}{key}"


def is_fifo(key: str) -> bool:
    """Whether a wiring queue (or a wiring queue's DLQ, ``<key>-dlq``) is FIFO."""
    from notify_infra import wiring

    return any(q.fifo and key in (q.key, q.dlq_key) for q in wiring.QUEUES)


def queue_name(key: str) -> str:
    """A wiring queue's name on moto (FIFO queue names end in ``.fifo``, as AWS requires)."""
    return physical_name(key) + (".fifo" if is_fifo(key) else "")


def queue_arn(region: str, key: str) -> str:
    """The ARN of a wiring queue, computed rather than asked for (saves a GetQueueAttributes per queue)."""
    return f"arn:aws:sqs:{region}:{ACCOUNT}:{queue_name(key)}"


def log_group_name(region: str, template: str) -> str:
    """A wiring log group name (``wiring.LogSource.log_group``) in this region and account."""
    return template.format(region=region, account=ACCOUNT)


def state_machine_arn(region: str, key: str) -> str:
    """A wiring state machine's ARN (its name is fixed: ``wiring.StateMachine.name``)."""
    from notify_infra import wiring

    return f"arn:aws:states:{region}:{ACCOUNT}:stateMachine:{wiring.state_machine(key).name}"


def function_arn(region: str, key: str) -> str:
    return f"arn:aws:lambda:{region}:{ACCOUNT}:function:{physical_name(key)}"
