"""With SnapStart, the local runtime starts a function's environments as Lambda restores them:
forks of one primed parent, each renewed by the after-restore hooks; a failed hook is reported as
Lambda reports it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from local.lambdas import InvocationRejected, LocalFunction
from local.pool import FunctionPool

HANDLER = """
import os, random, time
from ongpt.platform import snapstart

PRIMED = None  # drawn before the snapshot: the same in every restored environment
SEEN = []  # the requests this environment served


@snapstart.register_before_snapshot
def prime():
    global PRIMED
    if os.environ.get("FAIL_BEFORE"):
        raise RuntimeError("priming failed")
    PRIMED = random.random()


@snapstart.register_after_restore
def fail_after():
    if os.environ.get("FAIL_AFTER"):
        raise RuntimeError("restore failed")


snapstart.register_after_restore(snapstart.renew)


def lambda_handler(event, context):
    SEEN.append(event["who"])
    time.sleep(0.3)  # the invocations overlap: two environments
    return {"pid": os.getpid(), "primed": PRIMED, "draw": random.random(), "seen": SEEN}
"""


REGION = "ap-southeast-1"


def snap_started(tmp_path: Path, **variables: str) -> FunctionPool:
    handler = tmp_path / "handler.py"
    handler.write_text(HANDLER)
    function = LocalFunction(
        "Snapped",
        str(handler),
        "lambda_handler",
        {"AWS_LAMBDA_FUNCTION_NAME": "Snapped", "AWS_DEFAULT_REGION": REGION, **variables},
        128,
        10,
        "arn:aws:lambda:ap-southeast-1:123456789012:function:Snapped",
        snap_start=True,
    )
    return FunctionPool(function, limit=2)


@pytest.fixture
def pool(tmp_path: Path) -> Iterator[FunctionPool]:
    pool = snap_started(tmp_path)
    yield pool
    pool.stop()


def test_environments_restored_from_one_snapshot_draw_apart_and_share_no_request(
    pool: FunctionPool,
) -> None:
    with ThreadPoolExecutor(max_workers=2) as threads:
        first, second = threads.map(pool.invoke, [{"who": "first"}, {"who": "second"}])
    assert len({first["pid"], second["pid"], os.getpid()}) == 3
    assert first["primed"] is not None
    assert first["primed"] == second["primed"]  # one snapshot, primed once
    assert first["draw"] != second["draw"]  # renewed after each restore
    assert (first["seen"], second["seen"]) == (["first"], ["second"])


@pytest.mark.parametrize(
    ("failing", "reported"),
    [("FAIL_BEFORE", "SnapStartNotReadyException"), ("FAIL_AFTER", "SnapStartException")],
)
def test_a_failing_hook_is_reported_as_lambda_reports_it(
    tmp_path: Path, failing: str, reported: str
) -> None:
    pool = snap_started(tmp_path, **{failing: "1"})
    try:
        for _ in range(2):  # a failed snapshot stays failed; a failed restore fails each time
            with pytest.raises(InvocationRejected) as refused:
                pool.invoke({"who": "someone"})
            assert refused.value.error_type == reported
    finally:
        pool.stop()
    assert pool.snapshot is not None
    assert pool.snapshot.state == ("Failed" if failing == "FAIL_BEFORE" else "Active")
