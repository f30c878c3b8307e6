"""One Lambda execution environment: a process of its own, with one function's environment
variables only, that imports the handler once (its cold start) and then serves invocations one
at a time, as Lambda's environments do; its warm caches (clients, settings, data keys) are its
own.

``local/pool.py`` starts it as ``python -m local.environment HANDLER_FILE HANDLER ARN MEMORY
TIMEOUT``. Invocations and their answers are JSON lines on stdin and on the stdout the process
had at start; whatever the handler prints goes to stderr (the runtime's log), as a function's
output goes to CloudWatch Logs. A failed init is answered once and ends the process: Lambda
initialises a new environment for the next invocation.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from typing import Any, TextIO

from local.lambdas import (
    MAX_RESPONSE_BYTES,
    RESPONSE_TOO_LARGE,
    LambdaContext,
    import_handler,
)


def failure(exc: BaseException) -> dict[str, Any]:
    """Lambda's error answer without ``errorMessage``: a message may hold personal data."""
    return {"errorType": type(exc).__name__, "stackTrace": traceback.format_tb(exc.__traceback__)}


def _send(channel: TextIO, answer: str) -> None:
    channel.write(answer + "\n")
    channel.flush()


def serve(handler_file: str, handler_name: str, arn: str, memory: int, timeout: int) -> int:
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # the handler's prints: the log
    name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
    try:
        handler = getattr(import_handler(name, handler_file), handler_name)
    except Exception as exc:  # an init error: reported, logged with its message, as Lambda does
        traceback.print_exc()
        _send(channel, json.dumps({"initError": failure(exc)}))
        return 1
    _send(channel, json.dumps({"ready": True}))
    for line in sys.stdin:
        context = LambdaContext(name, arn, memory, timeout)
        try:
            result = json.dumps(handler(json.loads(line), context))  # not JSON: fails, as on Lambda
            answer = f'{{"result": {result}}}'
        except Exception as exc:
            answer = json.dumps({"error": failure(exc)})
        else:
            if len(result.encode("utf-8")) > MAX_RESPONSE_BYTES:  # Lambda's synchronous limit
                answer = json.dumps({"error": {"errorType": RESPONSE_TOO_LARGE, "stackTrace": []}})
        _send(channel, answer)
    return 0


if __name__ == "__main__":
    file, handler, arn, memory, timeout = sys.argv[1:]
    sys.exit(serve(file, handler, arn, int(memory), int(timeout)))
