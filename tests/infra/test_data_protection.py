"""P2.1, P4: keys, tables and backups as synthesized."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from ongpt.storage import tables
from tests.support.synthesized import logical_id, resources


@pytest.mark.clause("P2.1")
def test_symmetric_keys_rotate_yearly(template_json: dict[str, Any]) -> None:
    keys = resources(template_json, "AWS::KMS::Key")
    symmetric = {
        lid: p
        for lid, p in keys.items()
        if p.get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
    }
    assert len(symmetric) == 4  # data, analytics, ops, firewall logs
    for props in symmetric.values():
        assert props["EnableKeyRotation"] is True
        assert props["RotationPeriodInDays"] == 365


@pytest.mark.clause("P2.1")
def test_blind_index_key_is_an_hmac_key(template: Template) -> None:
    template.has_resource_properties(
        "AWS::KMS::Key", {"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"}
    )


def _statements(key_props: dict[str, Any]) -> list[dict[str, Any]]:
    return key_props["KeyPolicy"]["Statement"]  # type: ignore[no-any-return]


@pytest.mark.clause("P2.1")
def test_key_policies_give_the_account_administration_not_use(
    template_json: dict[str, Any],
) -> None:
    for props in resources(template_json, "AWS::KMS::Key").values():
        for statement in _statements(props):
            if statement.get("Sid") == "AdministerByAccount":
                assert not {"kms:Decrypt", "kms:GenerateDataKey", "kms:GenerateMac", "kms:*"} & set(
                    statement["Action"]
                )


def _named_roles(statement: dict[str, Any]) -> set[str]:
    principals = statement["Principal"].get("AWS", [])
    principals = principals if isinstance(principals, list) else [principals]
    return {p["Fn::GetAtt"][0] for p in principals if "Fn::GetAtt" in p}


CUSTOMER_READERS = (
    "Me",
    "EditRequests",
    "StaffCustomers",
    "Contracts",
    "Complaints",
    "ExpiryReminders",
    # opens the notices sealed under the customer's key, and resolves an announcement's (the
    # announcement worker writes them naming the customer only: it opens no key)
    "NoticeDelivery",
    "AccountLifecycle",  # seals hold reasons and notes, tells customers
    "RecoveryCodes",  # the addresses to send the codes to
)
DATA_KEY_USERS = {  # (action, owner type): the functions that may, and no other
    ("kms:Decrypt", "customer_id"): CUSTOMER_READERS,
    ("kms:Decrypt", "registration_id"): ("Registration", "RegistrationCodes"),
    # A recovery's codes are hashed under its own key: the same work whether or not it matches.
    ("kms:Decrypt", "recovery_id"): ("AccountLifecycle", "RecoveryCodes"),
    # A guest's outcome notice (NoticeDelivery), a customer's complaints in their export (Me).
    ("kms:Decrypt", "complaint_id"): ("Complaints", "NoticeDelivery", "Me"),
    ("kms:GenerateDataKey", "customer_id"): ("Registration",),
    ("kms:GenerateDataKey", "registration_id"): ("Registration",),
    ("kms:GenerateDataKey", "recovery_id"): ("AccountLifecycle",),
    ("kms:GenerateDataKey", "complaint_id"): ("Complaints",),
}


@pytest.mark.clause("P2.1")
def test_data_keys_of_each_owner_type_go_only_to_the_functions_that_serve_it(
    template_json: dict[str, Any],
) -> None:
    key_id = logical_id(template_json, "/Keys/DataKey/Resource")
    statements = _statements(resources(template_json, "AWS::KMS::Key")[key_id])
    granted: dict[tuple[str, str], set[str]] = {}
    for statement in (s for s in statements if _named_roles(s)):
        condition = statement["Condition"]
        assert condition["Null"] == {"kms:EncryptionContextKeys": "false"}
        owners = condition["ForAllValues:StringEquals"]["kms:EncryptionContextKeys"]
        actions = statement["Action"]
        for action in actions if isinstance(actions, list) else [actions]:
            for owner in owners if isinstance(owners, list) else [owners]:
                granted.setdefault((action, owner), set()).update(_named_roles(statement))
    expected = {
        grant: {logical_id(template_json, f"/{name}/Role/Resource") for name in names}
        for grant, names in DATA_KEY_USERS.items()
    }
    assert granted == expected


@pytest.mark.clause("P2.1")
def test_only_lookup_functions_may_compute_blind_indexes(template_json: dict[str, Any]) -> None:
    key_id = logical_id(template_json, "/Keys/BlindIndexKey/Resource")
    statements = _statements(resources(template_json, "AWS::KMS::Key")[key_id])
    (named,) = [s for s in statements if _named_roles(s)]
    assert named["Action"] == "kms:GenerateMac"
    assert _named_roles(named) == {
        logical_id(template_json, f"/{name}/Role/Resource")
        for name in ("RegistrationCodes", "EditRequests", "StaffCustomers", "AccountLifecycle")
    }


@pytest.mark.clause("P2.1")
def test_every_table_is_encrypted_with_a_customer_managed_key(
    template_json: dict[str, Any],
) -> None:
    keys = set(resources(template_json, "AWS::KMS::Key"))
    found = resources(template_json, "AWS::DynamoDB::Table")
    assert len(found) == len(tables.ALL_TABLES)
    for props in found.values():
        sse = props["SSESpecification"]
        assert sse["SSEEnabled"] is True
        assert sse["SSEType"] == "KMS"
        assert sse["KMSMasterKeyId"]["Fn::GetAtt"][0] in keys


@pytest.mark.clause("P2.1")
def test_analytics_has_its_own_key(template_json: dict[str, Any]) -> None:
    found = resources(template_json, "AWS::DynamoDB::Table")
    analytics = found[logical_id(template_json, "/Data/Analytics/Resource")]
    customers = found[logical_id(template_json, "/Data/Customers/Resource")]
    assert (
        analytics["SSESpecification"]["KMSMasterKeyId"]
        != customers["SSESpecification"]["KMSMasterKeyId"]
    )


@pytest.mark.clause("P2.1", "P4")
def test_every_table_has_pitr_and_deletion_protection(template_json: dict[str, Any]) -> None:
    """35 days of point-in-time recovery, but only the key store's short period where a copy
    could hold a data key, an address guard or a pending sign-up's values (the bound on erased
    values)."""
    found = resources(template_json, "AWS::DynamoDB::Table")
    for spec in tables.ALL_TABLES:
        props = found[logical_id(template_json, f"/Data/{spec.construct_id}/Resource")]
        short = spec in (tables.DATA_KEYS, tables.GUARDS, tables.REGISTRATIONS)
        assert props["PointInTimeRecoverySpecification"] == {
            "PointInTimeRecoveryEnabled": True,
            "RecoveryPeriodInDays": tables.KEY_STORE_RECOVERY_DAYS if short else 35,
        }, spec.construct_id
        assert props["DeletionProtectionEnabled"] is True
    assert tables.KEY_STORE_RECOVERY_DAYS == 7


@pytest.mark.clause("P4")
def test_tables_are_retained_when_the_stack_goes(template_json: dict[str, Any]) -> None:
    for lid in resources(template_json, "AWS::DynamoDB::Table"):
        assert template_json["Resources"][lid]["DeletionPolicy"] == "Retain"


def test_table_keys_indexes_and_ttl_follow_the_shared_schema(template_json: dict[str, Any]) -> None:
    found = resources(template_json, "AWS::DynamoDB::Table")
    for spec in tables.ALL_TABLES:
        props = found[logical_id(template_json, f"/Data/{spec.construct_id}/Resource")]
        keys = {k["KeyType"]: k["AttributeName"] for k in props["KeySchema"]}
        assert keys.get("HASH") == spec.partition_key
        assert keys.get("RANGE") == spec.sort_key
        indexes = {
            i["IndexName"]: {k["KeyType"]: k["AttributeName"] for k in i["KeySchema"]}
            for i in props.get("GlobalSecondaryIndexes", [])
        }
        assert indexes == {
            i.name: {"HASH": i.partition_key, "RANGE": i.sort_key} for i in spec.indexes
        }
        ttl = props.get("TimeToLiveSpecification")
        assert ttl == (
            {"AttributeName": spec.ttl_attribute, "Enabled": True} if spec.ttl_attribute else None
        )


def test_staff_queue_and_due_contracts_have_indexes(template: Template) -> None:
    template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "GlobalSecondaryIndexes": Match.array_with(
                [
                    Match.object_like({"IndexName": "by-status"}),
                    Match.object_like({"IndexName": "by-expiry-day"}),
                ]
            )
        },
    )


@pytest.mark.clause("P2.1", "P4")
def test_every_table_but_the_key_store_guards_and_sign_ups_is_backed_up(
    template_json: dict[str, Any],
) -> None:
    """A backup of the key store would keep destroyed data keys for the backups' year; one of the
    guards, which blind index (the blind-index key outlives erasure) is whose customer id."""
    (selection,) = resources(template_json, "AWS::Backup::BackupSelection").values()
    selected = {r["Fn::GetAtt"][0] for r in selection["BackupSelection"]["Resources"]}
    kept_out = {
        logical_id(template_json, f"/Data/{spec.construct_id}/Resource")
        for spec in (tables.DATA_KEYS, tables.GUARDS, tables.REGISTRATIONS)
    }
    assert selected == set(resources(template_json, "AWS::DynamoDB::Table")) - kept_out
    assert logical_id(template_json, "/Data/Erasures/Resource") in selected
