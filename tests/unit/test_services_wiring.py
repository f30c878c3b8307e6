"""The composition root (``ongpt.services``): every factory builds, and a service's dependencies
are the factories' own instances, one per concept, whatever service asks for them."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ongpt import services
from ongpt.platform import aws

FACTORIES: dict[str, Callable[[], Any]] = {
    name: value
    for name, value in vars(services).items()
    if not name.startswith("_") and hasattr(value, "cache_clear")
}


@pytest.fixture(autouse=True, scope="module")
def cold() -> Iterator[None]:
    """Clients made for a region (nothing is called), and nothing kept for the other tests."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_DEFAULT_REGION", "ap-southeast-1")
        forget()
        yield
        forget()


def forget() -> None:
    for factory in [*FACTORIES.values(), aws._client]:
        factory.cache_clear()  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_every_factory_builds_its_dependency_from_the_other_factories(name: str) -> None:
    built = FACTORIES[name]()
    held = [id(value) for value in vars(built).values()]
    for parameter in inspect.signature(type(built)).parameters:
        if parameter in FACTORIES:  # the same instance as every other service gets
            assert id(FACTORIES[parameter]()) in held, (name, parameter)


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_every_factory_builds_the_class_it_is_annotated_with(name: str) -> None:
    assert type(FACTORIES[name]()).__name__ == inspect.get_annotations(FACTORIES[name])["return"]


def test_a_service_is_built_once_and_shares_its_stores() -> None:
    assert services.edit_requests() is services.edit_requests()
    assert services.edit_requests().customer_store is services.account_lifecycle().customer_store
    assert services.account_lifecycle().edit_store is services.edit_requests().edit_store
