"""Benchmark: DynamoDB write request units (WRU) per path, counted from the calls it makes.

Every DynamoDB write a function makes is recorded (``BaseClient._make_api_call`` wrapped, as the
least-privilege test does) with the item it touched read before and after the call, and costed
as DynamoDB bills on-demand writes
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html):

- an item's size is the sum of its attribute names and values (strings and binaries by their
  bytes, numbers 1 byte per two significant digits + 1, booleans and nulls 1 byte, lists and
  maps 3 bytes + 1 byte per element + their elements);
- a write costs ceil(size / 1 KB) units, at least 1, where size is the larger of the item before
  and after (an update or a replacing put is billed on the whole item, not the attributes set);
- inside ``TransactWriteItems`` each item costs twice that (prepare and commit); a
  ``ConditionCheck`` is costed as a write of the item it checks;
- a write whose condition fails still costs its units (the existing item's size, at least 1),
  and so does every item of a cancelled transaction: those are counted too.

The paths are run in-process over moto (``tests.support.deployed``), each POST with an
``Idempotency-Key`` as the web client sends one, so the idempotency record's writes are counted.
The outbox's delivery worker is measured over every notice the paths enqueued.
"""

from __future__ import annotations

import math
import os
import re
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from botocore.client import BaseClient

from ongpt.platform import settings
from tests.bench import quiet
from tests.bench.results import Row
from tests.support.deployed import Deployed, customer, deployed, guest, staff
from tests.support.journeys import code_to, e164, me, new_contract, registration
from tests.support.lifecycle import close

ROOT = Path(__file__).resolve().parents[2]
KB = 1024
DELIVERY = "notice_delivery"
Key = dict[str, Any]
ENQUEUED = {"S": "PENDING"}  # an outbox item's state when a path enqueues its notice


def value_size(value: Mapping[str, Any]) -> int:
    """The bytes DynamoDB counts for one attribute value (its name not included)."""
    ((kind, data),) = value.items()
    match kind:
        case "S":
            return len(data.encode())
        case "B":
            return len(data)
        case "N":
            return number_size(data)
        case "BOOL" | "NULL":
            return 1
        case "SS":
            return sum(len(s.encode()) for s in data)
        case "NS":
            return sum(number_size(n) for n in data)
        case "BS":
            return sum(len(b) for b in data)
        case "L":
            return 3 + sum(1 + value_size(v) for v in data)
        case "M":
            return 3 + sum(1 + len(k.encode()) + value_size(v) for k, v in data.items())
    raise ValueError(f"not a DynamoDB attribute value: {kind}")


def number_size(number: str) -> int:
    digits = str(abs(Decimal(number))).replace(".", "").lstrip("0").rstrip("0")
    return math.ceil(len(digits) / 2) + 1


def item_size(item: Mapping[str, Any] | None) -> int:
    return sum(len(name.encode()) + value_size(v) for name, v in (item or {}).items())


def write_units(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> int:
    """One item's units: ceil(size / 1 KB) of the larger of its two images, at least 1."""
    return max(1, math.ceil(max(item_size(before), item_size(after)) / KB))


@dataclass(frozen=True)
class Write:
    function: str
    operation: str
    table: str
    units: int
    notice: bool  # an outbox item enqueued


@dataclass
class WriteRecorder:
    """Every DynamoDB write made by a function (not by the test) while ``installed``."""

    writes: list[Write] = field(default_factory=list)
    _keys: dict[str, list[str]] = field(default_factory=dict)

    def take(self) -> list[Write]:
        taken, self.writes = self.writes, []
        return taken

    @contextmanager
    def installed(self) -> Iterator[WriteRecorder]:
        real = getattr(BaseClient, "_make_api_call")  # noqa: B009 - private to botocore
        recorder = self

        def make_api_call(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            function = os.environ.get(settings.SERVICE_NAME.name)
            if function is None or client.meta.service_model.service_name != "dynamodb":
                return real(client, operation, params)
            actions = recorder._actions(client, real, operation, params)
            before = [recorder._read(client, real, table, key) for _, table, key in actions]
            try:
                return real(client, operation, params)
            finally:  # a failed condition or a cancelled transaction is billed too
                times = 2 if operation == "TransactWriteItems" else 1
                for (item, table, key), old in zip(actions, before, strict=True):
                    new = recorder._read(client, real, table, key)
                    notice = "notice_id" in item and item.get("state") == ENQUEUED
                    units = write_units(old, new) * times
                    recorder.writes.append(Write(function, operation, table, units, notice))

        setattr(BaseClient, "_make_api_call", make_api_call)  # noqa: B010
        try:
            yield self
        finally:
            setattr(BaseClient, "_make_api_call", real)  # noqa: B010

    def _key_names(self, client: BaseClient, real: Any, table: str) -> list[str]:
        if table not in self._keys:
            described = real(client, "DescribeTable", {"TableName": table})["Table"]
            self._keys[table] = [k["AttributeName"] for k in described["KeySchema"]]
        return self._keys[table]

    def _read(self, client: BaseClient, real: Any, table: str, key: Key) -> dict[str, Any] | None:
        found = real(client, "GetItem", {"TableName": table, "Key": key, "ConsistentRead": True})
        return found.get("Item")  # type: ignore[no-any-return]

    def _actions(
        self, client: BaseClient, real: Any, operation: str, params: dict[str, Any]
    ) -> list[tuple[dict[str, Any], str, Key]]:
        """(the item put, or {}; its table; its key) of each item the call writes or checks."""
        requests: list[dict[str, Any]] = []
        match operation:
            case "PutItem" | "UpdateItem" | "DeleteItem":
                requests = [params]
            case "TransactWriteItems":  # each action: Put, Update, Delete or ConditionCheck
                requests = [r for action in params["TransactItems"] for r in action.values()]
            case "BatchWriteItem":  # each request: PutRequest or DeleteRequest
                requests = [
                    {"TableName": table, **r}
                    for table, batch in params["RequestItems"].items()
                    for request in batch
                    for r in request.values()
                ]
        actions = []
        for request in requests:
            table, item = request["TableName"], request.get("Item", {})
            key = request.get("Key") or {
                name: item[name] for name in self._key_names(client, real, table)
            }
            actions.append((item, table, key))
        return actions


def _once() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def _post(aws: Deployed, name: str, path: str, body: Any, who: dict[str, Any]) -> dict[str, Any]:
    status, answer = aws.call(name, "POST", path, body=body, identity=who, headers=_once())
    assert status < 300, (path, status, answer)
    return answer


def _paths(aws: Deployed, recorder: WriteRecorder) -> Iterator[tuple[str, list[Write]]]:
    """Each counted path run once, with the writes it made (its delivery worker's included)."""
    body = registration()
    accepted = aws.call(
        "registration", "POST", "/v1/registrations", body=body, headers=_once(), deliver=False
    )[1]
    yield "registration start (`POST /v1/registrations`)", recorder.take()
    aws.work_off(aws.function("registration").environment["REGISTRATION_QUEUE_URL"])
    yield "the `registration_codes` worker, per registration", recorder.take()
    codes = {
        "email_code": code_to(aws, body["email"]),
        "phone_code": code_to(aws, e164(body["phone"])),
        "password": "correct-Horse-battery-9",
    }
    rid = accepted["registration_id"]
    cid = _post(aws, "registration", f"/v1/registrations/{rid}/verification", codes, guest())[
        "customer_id"
    ]
    yield "registration completion (`POST .../verification`)", recorder.take()
    _post(aws, "contracts", "/v1/staff/contracts", new_contract(cid, 180), staff("Support"))
    yield "a contract (`POST /v1/staff/contracts`)", recorder.take()
    status, _ = aws.call(
        "me", "PUT", "/v1/me/consents/marketing", body={"granted": True}, identity=customer(cid)
    )
    assert status == 200
    yield "a consent change (`PUT /v1/me/consents/{purpose}`)", recorder.take()
    complaint = {"category": "service", "subject": "Hoá đơn", "message": "Sai."}
    filed = _post(aws, "complaints", "/v1/complaints", complaint, customer(cid))
    yield "a complaint filed (`POST /v1/complaints`, a customer's)", recorder.take()
    resolved = {"status": "RESOLVED", "resolution": "Xong."}
    path = f"/v1/staff/complaints/{filed['complaint_id']}"
    status, _ = aws.call("complaints", "PATCH", path, body=resolved, identity=staff("Support"))
    assert status == 200
    yield "a complaint resolved (`PATCH /v1/staff/complaints/{id}`)", recorder.take()
    new_email = f"moved.{cid[:8]}@example.com"
    asked = {"changes": {"email": new_email}, "reason": "x"}
    eid = _post(aws, "edit_requests", "/v1/me/edit-requests", asked, customer(cid))[
        "edit_request_id"
    ]
    code = {"email_code": code_to(aws, new_email)}
    assert me(aws, cid, "POST", f"/v1/me/edit-requests/{eid}/verification", code)[0] == 200
    recorder.take()
    decision = {"decision": "approve", "note": "checked"}
    path = f"/v1/staff/edit-requests/{eid}/decision"
    _post(aws, "edit_requests", path, decision, staff("Support"))
    yield "an edit decision (`POST .../decision`, approved)", recorder.take()
    status, _ = close(aws, cid, headers=_once())
    assert status == 202
    yield "a closure (`POST /v1/me/closure`)", recorder.take()


def measure(assembly: Path) -> dict[str, Counter[str]]:
    """Units per path, by table (``"<function>: <table>"``), and the delivery worker's per notice
    (under the key ``DELIVERY``, with ``"notices"`` the number it delivered)."""
    results: dict[str, Counter[str]] = {}
    delivery: Counter[str] = Counter()
    with deployed(assembly) as aws, WriteRecorder().installed() as recorder:
        for path, writes in _paths(aws, recorder):
            own = Counter[str]()
            for write in writes:
                if write.function == DELIVERY:
                    delivery[_table(aws, write.table)] += write.units
                else:
                    own[_table(aws, write.table)] += write.units
                delivery["notices"] += write.notice
            results[path] = own
    results[DELIVERY] = delivery
    return results


def _table(aws: Deployed, physical: str) -> str:
    """A table by its construct's name (``DataCustomersF252F19A`` -> ``Customers``)."""
    for (logical_id, attribute), value in aws.resolver.attributes.items():
        if attribute == "Arn" and str(value).endswith(f"table/{physical}"):
            return re.sub(r"^Data|[0-9A-F]{8}$", "", logical_id)  # CDK's path and hash
    return physical


def rows(results: dict[str, Counter[str]]) -> list[Row]:
    found = []
    for path, units in results.items():
        if path == DELIVERY:
            continue
        detail = ", ".join(f"{table} {n}" for table, n in sorted(units.items()))
        found.append(Row(f"write units, {path}", f"{sum(units.values())} WRU ({detail})"))
    delivery = dict(results[DELIVERY])
    notices = delivery.pop("notices")
    total = sum(delivery.values())
    detail = ", ".join(f"{table} {n}" for table, n in sorted(delivery.items()))
    found.append(
        Row(
            "write units, the outbox's delivery worker (`notice_delivery`) per notice",
            f"{total / notices:.1f} WRU ({total} for the {notices} notices of the paths above: "
            f"{detail})",
        )
    )
    return found


def main() -> list[Row]:
    found = rows(measure(ROOT / "cdk.out"))
    for row in found:
        print(f"{row.name}: {row.measured}")
    return found


if __name__ == "__main__":
    quiet()
    main()
