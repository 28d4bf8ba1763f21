"""S3 buckets from ``wiring.BUCKETS``: today the attachments bucket (documents the email sender attaches).

Product services upload a document under ``<org_id>/`` (they need ``s3:PutObject`` on that prefix, granted
in their own stacks; the bucket name is the stack output ``AttachmentsBucketName``) and name its key in the
event's ``detail.attachments``. The router refuses keys outside the event's org; ``send_email`` may only
read objects (``Access.buckets_read``).
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Tags, Validations
from aws_cdk import aws_s3 as s3
from constructs import Construct

from notify_infra import wiring

TAG = "notify:bucket"


class Buckets(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self._buckets: dict[str, s3.Bucket] = {}
        for spec in wiring.BUCKETS:
            bucket = s3.Bucket(
                self,
                spec.key,
                # SSE-S3: readers need no KMS grant, and nothing here needs a key policy of its own.
                encryption=s3.BucketEncryption.S3_MANAGED,
                block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
                object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,  # no ACLs: IAM decides
                enforce_ssl=True,
                minimum_tls_version=1.2,
                versioned=False,  # short-lived copies of documents the products keep themselves
                lifecycle_rules=[
                    s3.LifecycleRule(
                        id="expire",
                        expiration=Duration.days(spec.expiration_days),
                        abort_incomplete_multipart_upload_after=Duration.days(1),
                    )
                ],
                # Customer documents: a stack delete must not drop them (the lifecycle rule empties it anyway).
                removal_policy=RemovalPolicy.RETAIN,
            )
            Tags.of(bucket).add(TAG, spec.key)
            Validations.of(bucket).acknowledge(
                Acknowledgment(
                    id="AwsSolutions::AwsSolutions-S1",
                    reason=(
                        f"Bucket '{spec.key}' ({spec.purpose}) holds short-lived copies ({spec.expiration_days} "
                        "days). Server access logs would need a second bucket whose own logging raises the same "
                        "finding; object reads are audited instead with CloudTrail S3 data events, which the "
                        "account's trail can enable for this bucket, and every send is in the delivery log."
                    ),
                )
            )
            self._buckets[spec.key] = bucket

    def bucket(self, key: str) -> s3.Bucket:
        return self._buckets[key]
