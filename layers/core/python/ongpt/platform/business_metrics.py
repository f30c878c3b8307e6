"""Business figures for the admins' dashboard (``infra/observability.py``), emitted by the code
that knows them, each a CloudWatch metric of the ``OnGptAccounts`` namespace with only the
dimensions named here (no personal value, no id):

- ``Registrations``, ``EditRequests``, ``Complaints`` (``status``): one per move into a status,
  counted where the move is made (inside the idempotent call, so a replayed answer is not);
- ``CodesSent`` (``channel``): one-time codes sent, by the registration and recovery codes
  workers and the edit requests function (those held back: ``CodeSendsLimited``);
- ``QueueLength`` and ``QueueOldestAgeHours`` (``queue``, ``status``): a staff queue as staff
  last read its first page (oldest first): the oldest item's age, and the items of that page, so
  the whole queue while it fits in one, else at least a page's limit (at most 100).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from ongpt.platform.clock import utcnow
from ongpt.platform.telemetry import NAMESPACE

if TYPE_CHECKING:  # a worker that only counts does not import pydantic at its cold start
    from pydantic import BaseModel

    from ongpt.platform.pages import Page, PageRequest

State = TypeVar("State", bound="dict[str, Any] | BaseModel")


def count(
    name: str, value: float = 1, unit: MetricUnit = MetricUnit.Count, **dimensions: str
) -> None:
    with single_metric(name=name, unit=unit, value=value, namespace=NAMESPACE) as metric:
        for key, dimension in dimensions.items():
            metric.add_dimension(name=key, value=dimension)


def moved(name: str, state: State) -> State:
    """Count ``state`` (an answer with a ``status``) as one move into that status; returns it."""
    status = state["status"] if isinstance(state, dict) else state.model_dump()["status"]
    count(name, status=str(status))
    return state


def queue_seen(
    queue: str,
    status: str,
    asked: PageRequest,
    page: Page[dict[str, Any]],
    now: datetime | None = None,
) -> None:
    """How long a staff queue is, and how old its oldest item (RFC 3339 ``created_at``), when
    staff read its first page; later pages say nothing of either."""
    if asked.after is not None:
        return
    times = [
        datetime.fromisoformat(item["created_at"].replace("Z", "+00:00")) for item in page.items
    ]
    oldest = (now or utcnow()) - min(times) if times else None
    count("QueueLength", len(times), queue=queue, status=status)
    hours = oldest.total_seconds() / 3600 if oldest else 0
    count("QueueOldestAgeHours", hours, MetricUnit.NoUnit, queue=queue, status=status)
