"""The configuration contract: every function's synthesized environment satisfies its settings model.

Environment variable names live in ``notify_core.config`` and the wiring imports them; each function declares
the settings it needs as a model with no defaults for resource names. A name changed on one side only (a
literal in the wiring, an alias in a model), a resource access removed from the wiring, a function added to one
list and not the other: each fails here, before a deployment would fail at its first invocation.
"""

from __future__ import annotations

from typing import Any

import pytest

from notify_core import config
from notify_core.compose import FUNCTIONS, builder
from notify_core.config import ConfigurationError
from notify_infra import wiring
from tests.infra.infra_template import Synth

pytestmark = pytest.mark.infra


def _values(env: dict[str, Any]) -> dict[str, str]:
    # CloudFormation tokens ({"Ref": ...}, {"Fn::GetAtt": ...}) stand for names known at deploy time.
    return {k: v if isinstance(v, str) else f"<token {k}>" for k, v in env.items()}


def test_the_wiring_the_settings_models_and_the_builders_name_the_same_functions() -> None:
    keys = {fn.key for fn in wiring.FUNCTIONS}
    assert keys == set(config.FUNCTION_SETTINGS) == set(FUNCTIONS)
    for key in keys:
        assert callable(builder(key))


@pytest.mark.parametrize("fn", wiring.FUNCTIONS, ids=lambda f: f.key)
def test_each_synthesized_environment_satisfies_its_function_settings_model(synth: Synth, fn: wiring.Function) -> None:
    env = _values(synth.function(fn.key)["Environment"]["Variables"])
    fn.settings_model.from_env(env)  # raises ConfigurationError naming what is missing
    missing = fn.settings_model.required_env() - env.keys()
    assert not missing


@pytest.mark.parametrize("fn", wiring.FUNCTIONS, ids=lambda f: f.key)
def test_the_stack_sets_nothing_a_function_does_not_read(synth: Synth, fn: wiring.Function) -> None:
    """The other direction: a variable the code renamed would linger in the stack, read by no one."""
    env = set(synth.function(fn.key)["Environment"]["Variables"])
    powertools = {config.POWERTOOLS_SERVICE_NAME, config.POWERTOOLS_METRICS_NAMESPACE}
    unread = env - fn.settings_model.known_env() - powertools
    assert not unread, f"{fn.key} is given {sorted(unread)}, which its settings model does not read"


def test_a_function_missing_a_resource_fails_to_build_with_the_variable_named() -> None:
    env = wiring.function_environment(wiring.function("router"), lambda kind, key: f"local-{key}")
    del env[config.INBOX_TABLE]
    with pytest.raises(ConfigurationError, match="the router function cannot start: INBOX_TABLE is not set"):
        builder("router")(env)


def test_a_renamed_variable_on_one_side_fails_the_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    """The wiring spelling the inbox variable differently from the router's model is caught at synthesis time
    (here: the same check on the environment the stack would build)."""
    inbox = wiring.table("inbox")
    monkeypatch.setattr(wiring, "TABLES", tuple(t if t.key != "inbox" else _renamed(t) for t in wiring.TABLES))
    env = wiring.function_environment(wiring.function("router"), lambda kind, key: f"local-{key}")
    assert "INBOX_TABLE_NAME" in env and inbox.env not in env
    with pytest.raises(ConfigurationError, match="INBOX_TABLE is not set"):
        config.RouterSettings.from_env(env)


def _renamed(t: wiring.Table) -> wiring.Table:
    from dataclasses import replace

    return replace(t, env="INBOX_TABLE_NAME")
