"""P2.5, P5 through the local runtime: the audit-anchors job anchors a customer's chain in the
Object Lock bucket, and a chain then cut below its anchor no longer verifies, neither in the
audit read nor in the daily verification job."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
import requests

from local.client import LocalClient, SignedSession
from tests.support.signed import register, staff


def moto(local_runtime: LocalClient, service: str) -> Any:
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=local_runtime.config["aws_endpoint"],
        region_name=local_runtime.config["region"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def audit_table(local_runtime: LocalClient) -> str:
    names = moto(local_runtime, "dynamodb").list_tables()["TableNames"]
    (table,) = [name for name in names if name.startswith("DataAudit")]
    return str(table)


@pytest.mark.clause("P2.5", "P5")
def test_a_chain_cut_below_its_anchor_is_caught_through_the_api(
    local_runtime: LocalClient, guest: SignedSession
) -> None:
    customer_id = register(local_runtime, guest)["customer_id"]
    support = staff(local_runtime, "support")
    for _ in range(3):
        path = f"/v1/staff/customers/{customer_id}?purpose=customer_support"
        assert support.request("GET", path).status_code == 200
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    ran = requests.post(
        f"{local_runtime.api_url}/_local/jobs/audit-anchors", json={"now": now}, timeout=60
    )
    assert ran.status_code == 200, ran.text
    assert ran.json()["anchored"] >= 1
    compliance = staff(local_runtime, "compliance")
    before = compliance.request("GET", f"/v1/staff/audit?customer_id={customer_id}").json()
    assert before["verification"]["valid"] is True

    dynamodb, table = moto(local_runtime, "dynamodb"), audit_table(local_runtime)
    found = dynamodb.query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"SUBJECT#{customer_id}"}},
    )["Items"]
    for item in found[1:]:
        dynamodb.delete_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})
    after = compliance.request("GET", f"/v1/staff/audit?customer_id={customer_id}").json()
    assert after["verification"]["valid"] is False
    assert after["verification"]["first_bad"] == {
        "sequence": len(after["entries"]) + 1,
        "reason": "missing",
    }
    verified = requests.post(
        f"{local_runtime.api_url}/_local/jobs/audit-verification", json={"now": now}, timeout=60
    )
    assert verified.status_code == 200, verified.text
    assert customer_id in verified.json()["broken_chains"]  # the daily job finds it too
