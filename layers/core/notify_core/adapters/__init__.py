"""Adapters: one per AWS service or protocol (DynamoDB tables through PynamoDB, SQS, EventBridge, SSM, S3, and the
channels: SES, SNS, HTTP webhooks, Slack, Telegram). Each is built with its client and names from a function's
settings, and implements a port of ``services.ports``."""
