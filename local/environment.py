"""One Lambda execution environment: a process of its own, with one function's environment
variables only, that imports the handler once (its cold start) and then serves invocations one
at a time, as Lambda's environments do; its warm caches (clients, settings, data keys) are its
own.

``local/pool.py`` starts it as ``python -m local.environment HANDLER_FILE HANDLER ARN MEMORY
TIMEOUT``. Invocations and their answers are JSON lines on stdin and on the stdout the process
had at start; whatever the handler prints goes to stderr (the runtime's log), as a function's
output goes to CloudWatch Logs. A failed init is answered once and ends the process: Lambda
initialises a new environment for the next invocation.

A function with SnapStart (``python -m local.environment --snapshot CONTROL_FD ...``) is
initialised and primed once in a parent process; its environments are forks of that parent,
each restored as Lambda restores a snapshot (``snapshot``), and talk over a socket of their own.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import sys
import traceback
from collections.abc import Callable
from functools import partial
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
    _invocations(handler, sys.stdin, channel, partial(LambdaContext, name, arn, memory, timeout))
    return 0


def _invocations(
    handler: Any, requests: TextIO, answers: TextIO, new_context: Callable[[], LambdaContext]
) -> None:
    """Answer each invocation read from ``requests`` until it ends, one at a time."""
    for line in requests:
        context = new_context()
        try:
            result = json.dumps(handler(json.loads(line), context))  # not JSON: fails, as on Lambda
            answer = f'{{"result": {result}}}'
        except Exception as exc:
            answer = json.dumps({"error": failure(exc)})
        else:
            if len(result.encode("utf-8")) > MAX_RESPONSE_BYTES:  # Lambda's synchronous limit
                answer = json.dumps({"error": {"errorType": RESPONSE_TOO_LARGE, "stackTrace": []}})
        _send(answers, answer)


def snapshot(
    control_fd: int, handler_file: str, handler_name: str, arn: str, memory: int, timeout: int
) -> int:
    """A SnapStart function's primed parent: its initialisation and before-snapshot hooks run
    once, then each environment asked for on ``control_fd`` (a socket that brings the
    environment's own socket) is a fork of it, restored as ``_restored`` says. A failed init or
    hook is answered once and ends the process: the version's snapshot failed."""
    control = socket.socket(fileno=control_fd)
    channel = control.makefile("w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
    try:
        handler = getattr(import_handler(name, handler_file), handler_name)
        from ongpt.platform import snapstart  # the registries the handler's import filled

        for hook, args, kwargs in reversed(snapstart.before_snapshot_hooks()):  # Lambda's order
            hook(*args, **kwargs)
    except Exception as exc:
        traceback.print_exc()
        _send(channel, json.dumps({"snapshotError": failure(exc)}))
        return 1
    _send(channel, json.dumps({"ready": True}))
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the environments are reaped as they end
    memory_state = random.getstate()
    new_context = partial(LambdaContext, name, arn, memory, timeout)
    while True:
        _, fds, _, _ = socket.recv_fds(control, 16, 1)
        if not fds:  # the runtime closed the socket: it is stopping
            return 0
        if os.fork() == 0:  # the environment: it never returns into this loop
            channel.close()
            control.close()
            code = 1
            try:
                code = _restored(socket.socket(fileno=fds[0]), handler, memory_state, new_context)
            finally:
                os._exit(code)
        os.close(fds[0])


def _restored(
    own: socket.socket,
    handler: Any,
    memory_state: Any,
    new_context: Callable[[], LambdaContext],
) -> int:
    """An environment restored from the snapshot: its memory as the snapshot holds it, then the
    after-restore hooks in the order they were registered, then invocations on ``own``.

    ``os.fork`` seeds ``random`` again in the child; a restored snapshot does not, so the
    generator is put back as it was: only the hooks may renew it ("Handling uniqueness with
    Lambda SnapStart", https://docs.aws.amazon.com/lambda/latest/dg/snapstart-uniqueness.html).
    A failing hook fails the invocation with Lambda's ``SnapStartException`` ("The afterRestore()
    runtime hook encountered an error",
    https://docs.aws.amazon.com/botocore/latest/reference/services/lambda/client/exceptions/SnapStartException.html)."""
    from ongpt.platform import snapstart

    random.setstate(memory_state)
    requests = own.makefile("r", encoding="utf-8")
    answers = own.makefile("w", encoding="utf-8")
    try:
        for hook, args, kwargs in snapstart.after_restore_hooks():
            hook(*args, **kwargs)
    except Exception as exc:
        traceback.print_exc()
        _send(answers, json.dumps({"restoreError": failure(exc)}))
        return 1
    _send(answers, json.dumps({"ready": True, "pid": os.getpid()}))
    _invocations(handler, requests, answers, new_context)
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "--snapshot":
        control_fd, file, handler, arn, memory, timeout = sys.argv[2:]
        sys.exit(snapshot(int(control_fd), file, handler, arn, int(memory), int(timeout)))
    file, handler, arn, memory, timeout = sys.argv[1:]
    sys.exit(serve(file, handler, arn, int(memory), int(timeout)))
