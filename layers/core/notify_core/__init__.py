"""The shared core of the notification platform.

Pure domain modules (envelope, catalog, addresses, routing, templates, signing, ssrf) import no AWS
SDK; adapters (settings_store, delivery_log, queueing, channels/*) talk to AWS through boto3 and
PynamoDB. Lambda handlers under functions/ only parse, call into this package and return.
"""
