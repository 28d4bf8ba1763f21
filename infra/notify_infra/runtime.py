"""The Lambda platform every function and the core layer share: one place, so they cannot disagree.

The layer's compiled wheels (pydantic-core, markupsafe) are ABI-specific: a cp313 ``.so`` does not import
on python3.14. The pip/uv target below is therefore derived from ``RUNTIME`` and ``ARCHITECTURE``.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_lambda as lambda_

# cdk-nag AwsSolutions-L1 accepts only the newest runtime of a family that aws-cdk-lib knows; with
# aws-cdk-lib 2.275 that is python3.14 (Lambda GA). Using it fixes L1 instead of acknowledging it.
RUNTIME: lambda_.Runtime = lambda_.Runtime.PYTHON_3_14
ARCHITECTURE: lambda_.Architecture = lambda_.Architecture.ARM_64

# "python3.14" -> "3.14": the interpreter version the layer's wheels are resolved for.
PYTHON_VERSION: str = RUNTIME.name.removeprefix("python")
# Wheel platform tags for ARM_64 in the spelling of each installer.
UV_PYTHON_PLATFORM = "aarch64-manylinux2014"
PIP_PLATFORM = "manylinux2014_aarch64"

# Where the layer's templates/ land inside the Lambda sandbox (layers are extracted under /opt).
TEMPLATES_DIR_IN_LAMBDA = "/opt/templates"

# The repository root, from this file's location (infra/notify_infra/runtime.py), never from the cwd:
# the CDK CLI, pytest and IDEs all start from different directories.
REPO_ROOT: Path = Path(__file__).resolve().parents[2]
LAYER_SOURCE_DIR: Path = REPO_ROOT / "layers" / "core"
TEMPLATES_SOURCE_DIR: Path = REPO_ROOT / "templates"
