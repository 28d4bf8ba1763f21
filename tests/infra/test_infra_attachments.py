"""The attachments bucket: private, encrypted, TLS only, expiring; send_email may only read its objects."""

from __future__ import annotations

import pytest
from infra_template import Synth, actions, allowed_actions, as_list, referenced_ids

from notify_infra import wiring

pytestmark = pytest.mark.infra

SPEC = wiring.bucket("attachments")


def _bucket(synth: Synth) -> tuple[str, dict]:
    buckets = synth.buckets()
    assert set(buckets) == {b.key for b in wiring.BUCKETS}
    assert len(synth.of_type("AWS::S3::Bucket")) == len(wiring.BUCKETS)  # no untagged bucket beside them
    lid = buckets[SPEC.key]
    return lid, synth.resources[lid]


def test_bucket_is_private_encrypted_and_expires_objects(synth: Synth) -> None:
    _, bucket = _bucket(synth)
    props = bucket["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    [rule] = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    [lifecycle] = props["LifecycleConfiguration"]["Rules"]
    assert lifecycle["Status"] == "Enabled" and lifecycle["ExpirationInDays"] == SPEC.expiration_days == 30
    assert bucket["DeletionPolicy"] == "Retain"


def test_bucket_refuses_plain_http(synth: Synth) -> None:
    lid, _ = _bucket(synth)
    [policy] = [p for p in synth.of_type("AWS::S3::BucketPolicy").values() if p["Properties"]["Bucket"] == {"Ref": lid}]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert any(
        s["Effect"] == "Deny" and s.get("Condition", {}).get("Bool") == {"aws:SecureTransport": "false"}
        for s in statements
    )
    # Nothing in the bucket policy grants access: reads go through the sender's role only.
    assert not [s for s in statements if s["Effect"] == "Allow"]


def test_only_send_email_may_touch_the_bucket_and_only_get_object(synth: Synth) -> None:
    lid, _ = _bucket(synth)
    readers = {f.key for f in wiring.FUNCTIONS if f.access.buckets_read}
    assert readers == {"send_email"}
    for fn in wiring.FUNCTIONS:
        s3_statements = [s for s in synth.statements(fn.key) if any(a.startswith("s3:") for a in actions(s))]
        if fn.key not in readers:
            assert s3_statements == [], fn.key
            continue
        [statement] = s3_statements
        assert statement["Effect"] == "Allow" and actions(statement) == {"s3:GetObject"}
        [resource] = as_list(statement["Resource"])
        # <bucket arn>/*: this bucket's objects, not the bucket, not another bucket.
        parts = resource["Fn::Join"][1]
        assert parts[-1] == "/*" and referenced_ids(parts) == {lid}
    granted = allowed_actions(synth.statements("send_email"))
    assert not {a for a in granted if a.startswith("s3:")} - {"s3:GetObject"}


def test_sender_knows_the_bucket_and_its_limits(synth: Synth) -> None:
    lid, _ = _bucket(synth)
    env = synth.function("send_email")["Environment"]["Variables"]
    assert env[SPEC.env] == {"Ref": lid}
    assert int(env["ATTACHMENT_MAX_TOTAL_BYTES"]) <= 10 * 1024 * 1024  # ~14 MB encoded; SES allows 40 MB
    assert int(env["ATTACHMENT_MAX_FILE_BYTES"]) <= int(env["ATTACHMENT_MAX_TOTAL_BYTES"])
    for fn in wiring.FUNCTIONS:
        if fn.key != "send_email":
            assert SPEC.env not in synth.function(fn.key)["Environment"]["Variables"], fn.key


def test_bucket_name_is_an_output_for_the_products(synth: Synth) -> None:
    lid, _ = _bucket(synth)
    assert synth.template_json["Outputs"]["AttachmentsBucketName"]["Value"] == {"Ref": lid}


def test_nag_acknowledgments_for_the_bucket_are_explained(synth: Synth) -> None:
    [report] = [r for r in synth.report["pluginReports"] if r["pluginName"] == "AwsSolutions"]
    suppressed = report.get("suppressedViolations", [])
    [s1] = [f for f in suppressed if f["ruleName"] == "AwsSolutions-S1"]
    assert "CloudTrail" in s1["reason"]
    lid, _ = _bucket(synth)
    objects = [f for f in suppressed if f["ruleName"] == f"AwsSolutions-IAM5[Resource::<{lid}.Arn>/*]"]
    assert len(objects) == 1 and "s3:GetObject" in objects[0]["reason"]
