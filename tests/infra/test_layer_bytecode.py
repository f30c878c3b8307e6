"""A layer that would compile itself at every cold start is said so at synthesis, and refused
for a deployment (``make deploy`` passes ``-c require_layer_bytecode=true``): see
``infra/layer_build.py``. This machine has no Python 3.14 and no Docker, so the layer built
here has none."""

from __future__ import annotations

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Annotations, Match

from infra import functions
from infra.settings import Settings

PROBLEM = Match.string_like_regexp("no bytecode for Python 3.14")


def _annotations(settings: Settings) -> Annotations:
    stack = Stack(App(), "Layer")
    functions.shared_layer(stack, settings)
    return Annotations.from_stack(stack)


def test_a_layer_without_the_runtimes_bytecode_is_a_warning_and_an_error_for_a_deployment() -> None:
    synthesized = _annotations(Settings())
    assert len(synthesized.find_warning("*", PROBLEM)) == 1
    assert synthesized.find_error("*", PROBLEM) == []
    deployed = _annotations(Settings(require_layer_bytecode=True))
    assert len(deployed.find_error("*", PROBLEM)) == 1


def test_a_layer_with_it_is_neither(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(functions, "has_bytecode", lambda _folder: True)
    deployed = _annotations(Settings(require_layer_bytecode=True))
    assert deployed.find_error("*", PROBLEM) == []
    assert deployed.find_warning("*", PROBLEM) == []


@pytest.mark.parametrize(("given", "required"), [("true", True), (True, True), (None, False)])
def test_the_requirement_is_read_from_context(given: object, required: bool) -> None:
    app = App(context={"require_layer_bytecode": given} if given is not None else {})
    assert Settings.from_context(app).require_layer_bytecode is required
