"""Public AWS prices the cost figures are computed from: us-east-1, on-demand, read on the date below.

Every figure the benchmarks print in dollars comes from these and from measured counts (AWS calls, write and read
units from the item sizes read back, Lambda time, log bytes); change a price here and the figures follow. The cost
report (``notify report cost``) multiplies an org's deliveries by ``PLATFORM_PER_DELIVERY`` (measured) and
``PROVIDER_PER_MESSAGE``. Free tiers are ignored (a platform at scale is past them).
"""

from __future__ import annotations

PRICES_AS_OF = "2026-11-01"
REGION = "us-east-1"

# DynamoDB on-demand (https://aws.amazon.com/dynamodb/pricing/on-demand/): per million request units.
DYNAMODB_WRITE_UNIT = 0.625 / 1e6  # one write of up to 1 KB (an index entry written is one more)
DYNAMODB_READ_UNIT = 0.125 / 1e6  # one strongly consistent read of up to 4 KB (half that, eventually consistent)
DYNAMODB_STORAGE_GB_MONTH = 0.25
# SQS (https://aws.amazon.com/sqs/pricing/): per million requests of up to 64 KB.
SQS_STANDARD_REQUEST = 0.40 / 1e6
SQS_FIFO_REQUEST = 0.50 / 1e6
# S3 GET requests (https://aws.amazon.com/s3/pricing/): attachments read by the email sender.
S3_GET_REQUEST = 0.40 / 1e6
# Lambda, arm64 (https://aws.amazon.com/lambda/pricing/).
LAMBDA_GB_SECOND_ARM = 0.0000133334
LAMBDA_REQUEST = 0.20 / 1e6
# CloudWatch Logs ingestion, standard class (https://aws.amazon.com/cloudwatch/pricing/).
LOGS_INGESTED_GB = 0.50
# EventBridge custom events (https://aws.amazon.com/eventbridge/pricing/).
EVENTBRIDGE_EVENT = 1.00 / 1e6
# SNS publish (a topic's API request; deliveries to SQS are free): https://aws.amazon.com/sns/pricing/
SNS_PUBLISH = 0.50 / 1e6
# Step Functions Standard, per state transition (https://aws.amazon.com/step-functions/pricing/).
STEP_FUNCTIONS_TRANSITION = 25.0 / 1e6
# EventBridge Scheduler, per invocation after 14 million free a month (https://aws.amazon.com/eventbridge/pricing/).
SCHEDULER_INVOCATION = 1.00 / 1e6

# What the providers charge for the message itself (shown apart: no design of ours changes it).
SES_EMAIL = 0.10 / 1000
SNS_SMS_US = 0.00581  # one US SMS segment, transactional; other countries differ widely

# Dollars per million, for printing.
PER_MILLION = 1e6

# What one delivery costs the platform (AWS, everything but the provider's own price), per channel, as
# ``make cost`` (scripts/bench_delivery.py) measured it for the small-event mix on PLATFORM_MEASURED_AT: router
# share, queue, sender, delivery log, logs, EventBridge share. Chat (Slack, Telegram) is taken as a webhook (one
# HTTPS call, one log write); in-app as the router's share plus one inbox write. Re-measure after changing the path.
PLATFORM_MEASURED_AT = "2026-11-30"
PLATFORM_PER_DELIVERY = {
    "email": 2.39 / 1e6,
    "sms": 2.98 / 1e6,
    "webhook": 2.58 / 1e6,
    "slack": 2.58 / 1e6,
    "telegram": 2.58 / 1e6,
    "inapp": 1.50 / 1e6,
}
# The provider's price of one message that reached it (SMS: the US rate; other countries differ widely).
PROVIDER_PER_MESSAGE = {"email": SES_EMAIL, "sms": SNS_SMS_US}
