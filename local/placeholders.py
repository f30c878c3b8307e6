"""An environment of placeholders for loading handlers outside a function (the OpenAPI document,
tests): every function checks its variables as it is imported, so the names must be real; the
values need only be well-formed, as nothing is called."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from unittest import mock

from ongpt.platform import settings as env

SAMPLES = {
    env.SMS_COUNTRY_CODES.name: '["84"]',
    env.IDENTITY_POOL_ID.name: "ap-southeast-1:00000000-0000-4000-8000-000000000000",
    env.TRACER_CAPTURE_RESPONSE.name: "false",
    env.TRACER_CAPTURE_ERROR.name: "false",
    env.JOB_PAGE_SIZE.name: "50",
    env.JOB_PAGES.name: "40",
}


@contextmanager
def placeholder_environment(
    names: Iterable[str] | None = None, values: Mapping[str, str] | None = None
) -> Iterator[None]:
    """Exactly ``names`` (by default every declared variable) set, each to ``values``' or a
    placeholder; the others unset."""
    names = [v.name for v in env.ALL_VARIABLES] if names is None else list(names)
    given = {**SAMPLES, **(values or {})}
    variables = {name: given.get(name, f"placeholder-{name.lower()}") for name in names}
    with mock.patch.dict(os.environ, variables):
        for variable in env.ALL_VARIABLES:
            if variable.name not in variables:
                os.environ.pop(variable.name, None)
        yield
