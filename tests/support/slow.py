"""A function that outlives its 1-second timeout, in an execution environment of its own
(``local/pool.py``): what an event source sees of an invocation Lambda ended at its timeout."""

from __future__ import annotations

from pathlib import Path

from local.lambdas import LocalFunction
from local.pool import FunctionPool

HANDLER = """
import time

def lambda_handler(event, context):
    time.sleep(5)
"""


def slow_pool(folder: Path) -> FunctionPool:
    handler = folder / "slow.py"
    handler.write_text(HANDLER)
    function = LocalFunction(
        "Slow",
        str(handler),
        "lambda_handler",
        {"AWS_LAMBDA_FUNCTION_NAME": "Slow"},
        128,
        1,
        "arn:aws:lambda:ap-southeast-1:123456789012:function:Slow",
    )
    return FunctionPool(function, 1)
