"""Independent AWS calls of one invocation made at once, on a small bounded pool of threads: a
staff queue page's KMS Decrypts of its items' keys, and its audit appends to each customer's chain.

boto3's clients are thread-safe once made
(https://boto3.amazonaws.com/v1/documentation/api/latest/guide/clients.html#multithreading-or-multiprocessing-with-clients),
and the functions make theirs before any work. ``WORKERS`` stays below a client's connection pool
(``max_pool_connections``, 10 by default: https://docs.aws.amazon.com/botocore/latest/reference/config.html),
so no thread waits for a connection; and a page's hundreds of KMS calls, 8 at a time, stay far
below KMS's shared per-account rate of cryptographic requests (thousands a second,
https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

WORKERS = 8


def each(work: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """``work(item)`` of every item, at most ``WORKERS`` at once: the results in the items'
    order. Every item's work has ended when this returns or raises; if some failed, the first
    failure in the items' order is raised."""
    if len(items) < 2:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(items))) as pool:
        running = [pool.submit(work, item) for item in items]
    return [done.result() for done in running]  # the pool has waited for every one
