# Everything installs itself: a fresh machine needs only python3.11, pip, node/npm and git.
SHELL := /bin/bash
UV_VERSION := 0.13.9
CDK_CLI := aws-cdk@2.1148.1
export UV_PYTHON_DOWNLOADS := never
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PYTHONDONTWRITEBYTECODE := 1
UV := .uv/bin/uv
PY := .venv/bin/python

.PHONY: setup browser demo test test-fast lint schemas openapi schemathesis synth bench bench-storm bench-fanout cost coldstart mutate layer-requirements clean email-layout gallery

# uv (from PyPI) installs the locked dependency set in seconds and builds the Lambda layer for arm64.
$(UV):
	python3 -m venv .uv
	.uv/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet
	touch $@

setup: .venv/.synced

demo: setup
	$(PY) -m notify_local.demo

# Unit tests run alone (network blocked for the whole process, so no runtime thread may share it),
# then everything that needs moto, CDK or the local runtime, on both cores.
test: setup browser
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	.venv/bin/lint-imports --no-cache
	.venv/bin/mypy
	$(PY) -m pytest -q -m unit tests/unit
	$(PY) -m pytest -q -m "not unit" -n 2 --dist loadgroup

test-fast: setup
	$(PY) -m pytest -q -m "unit or integration"

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	.venv/bin/lint-imports --no-cache
	.venv/bin/mypy

# The email layout: templates/_layout/email.src.html with its CSS inlined (css-inline) -> email.html.j2 (committed).
email-layout: setup
	$(PY) scripts/build_email_layout.py

# Every event type x channel x locale with its example on one static page: build/gallery/index.html.
gallery: setup
	$(PY) scripts/gallery.py build/gallery

# Debian's headless Chromium for the browser tests (tests/e2e/test_gallery.py, the console's): Playwright drives
# this binary. Where apt-get cannot install it (not root, no network) the suite still runs and those tests skip.
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
		|| echo "chromium could not be installed: the browser tests will be skipped"

# The committed JSON schemas of the event contract (schemas/README.md); refuses a change that breaks producers.
schemas: setup
	$(PY) scripts/catalog_schemas.py --write

# The admin API's OpenAPI document (schemas/openapi.json); refuses a change that breaks clients without a version bump.
openapi: setup
	$(PY) scripts/openapi.py --write

# schemathesis against the admin API on the local runtime, the long profile (make test runs a bounded one): minutes.
schemathesis: setup
	SCHEMATHESIS_LONG=1 $(PY) -m pytest -q -p no:cacheprovider tests/e2e/test_admin_api_schemathesis.py

synth: setup
	PATH="$(CURDIR)/.venv/bin:$$PATH" npx -y $(CDK_CLI) synth --quiet

bench: setup
	$(PY) scripts/bench_email.py
	$(PY) scripts/bench.py
	$(PY) scripts/bench_audience.py
	$(PY) scripts/bench_delivery.py
	BENCH_FANOUT=10000 $(PY) scripts/bench_fanout.py
	$(PY) scripts/bench_fuzz.py
	$(PY) scripts/bench_timers.py
	$(PY) scripts/bench_reports.py

# One event to 100,000 holders, in pages of 1,000: an invocation a page (tens of minutes on moto).
bench-fanout: setup
	$(PY) scripts/bench_fanout.py

# AWS calls, write units and $ per million deliveries by channel next to the floor (scripts/bench_delivery.py).
cost: setup
	$(PY) scripts/bench_delivery.py

# 10,000 deliveries under ~30% provider faults (tens of minutes); BENCH_STORM_EVENTS x 100 deliveries.
bench-storm: setup
	$(PY) scripts/bench_storm.py

coldstart: setup
	$(PY) scripts/coldstart.py

# Mutation testing of the pure domain (scripts/mutate.py, README "Tests"): minutes, so not part of `make test`.
# One module: make mutate MUTATE_ARGS="--module routing".
mutate: setup
	$(PY) scripts/mutate.py $(MUTATE_ARGS)

# The layer's requirements: the locked runtime dependencies minus what the Lambda runtime ships.
layer-requirements: setup
	$(UV) export --frozen --no-dev --no-emit-project --no-hashes --no-header --no-annotate --quiet \
	  | grep -vE '^(boto3|botocore|s3transfer)==' > layers/core/requirements.txt

clean:
	rm -rf .venv .uv cdk.out .pytest_cache
