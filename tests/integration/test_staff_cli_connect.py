"""The staff CLI against AWS (moto): it assumes the staff role with the MFA code it prompts for,
under the IAM user's own name (what the roles' trust policies require and the audit log records),
and finds the API's URL in the stack's outputs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from ongpt_staff.connect import STACK_NAME, ConnectError, Target, deployed_session

REGION = "ap-southeast-1"
API_URL = "https://abc123.execute-api.ap-southeast-1.amazonaws.com/prod/"


def never(_: str) -> str:
    raise AssertionError("no MFA code should be asked for")


@pytest.fixture
def alice() -> Iterator[boto3.Session]:
    """The profile of IAM user ``alice`` (her access key); the account has the Support role and
    the deployed stack."""
    with mock_aws():
        iam = boto3.client("iam", region_name=REGION)
        iam.create_user(UserName="alice")
        key = iam.create_access_key(UserName="alice")["AccessKey"]
        iam.create_role(RoleName="Support", AssumeRolePolicyDocument=json.dumps({}))
        template = {
            "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
            "Outputs": {"ApiUrl": {"Value": API_URL}},
        }
        boto3.client("cloudformation", region_name=REGION).create_stack(
            StackName=STACK_NAME, TemplateBody=json.dumps(template)
        )
        yield boto3.Session(
            region_name=REGION,
            aws_access_key_id=key["AccessKeyId"],
            aws_secret_access_key=key["SecretAccessKey"],
        )


def identity_of(session: Any) -> str:
    credentials = session.credentials
    sts = boto3.client(
        "sts",
        region_name=REGION,
        aws_access_key_id=credentials.access_key,
        aws_secret_access_key=credentials.secret_key,
        aws_session_token=credentials.token,
    )
    return str(sts.get_caller_identity()["Arn"])


@pytest.mark.clause("P2.3", "P5")
def test_the_role_is_assumed_with_the_mfa_code_under_the_users_own_name(
    alice: boto3.Session,
) -> None:
    sent: list[dict[str, Any]] = []
    alice.events.register(
        "provide-client-params.sts.AssumeRole", lambda params, **_: sent.append(dict(params))
    )
    asked: list[str] = []

    def prompt(text: str) -> str:
        asked.append(text)
        return "123456\n"

    session = deployed_session(alice, Target(role="support"), prompt)
    assert asked == ["MFA code for arn:aws:iam::123456789012:mfa/alice: "]
    (assume,) = sent
    assert assume["RoleArn"] == "arn:aws:iam::123456789012:role/Support"
    assert assume["RoleSessionName"] == "alice"
    assert (assume["SerialNumber"], assume["TokenCode"]) == (
        "arn:aws:iam::123456789012:mfa/alice",
        "123456",
    )
    assert identity_of(session).endswith(":assumed-role/Support/alice")
    assert (session.api_url, session.region) == (API_URL, REGION)


@pytest.mark.clause("P2.3", "P5")
def test_a_profile_that_already_holds_the_role_is_used_as_it_is(
    alice: boto3.Session,
) -> None:
    first = deployed_session(alice, Target(role="admin", api_url=API_URL), lambda _: "654321")
    held = boto3.Session(
        region_name=REGION,
        aws_access_key_id=first.credentials.access_key,
        aws_secret_access_key=first.credentials.secret_key,
        aws_session_token=first.credentials.token,
    )
    again = deployed_session(held, Target(role="admin"), never)
    assert again.credentials.access_key == first.credentials.access_key
    with pytest.raises(ConnectError, match="assumed from your own IAM user"):
        deployed_session(held, Target(role="support"), never)  # no chaining into another role


@pytest.mark.clause("P2.3", "P5")
def test_a_stack_not_found_says_to_give_the_url(alice: boto3.Session) -> None:
    with pytest.raises(ConnectError, match=r"no stack Other in ap-southeast-1: .* --api-url"):
        deployed_session(alice, Target(role="support", stack="Other"), never)


@pytest.mark.clause("P2.3", "P5")
def test_an_mfa_code_that_is_not_six_digits_is_refused_before_sts(
    alice: boto3.Session,
) -> None:
    with pytest.raises(ConnectError, match="6 digits"):
        deployed_session(alice, Target(role="support"), lambda _: "12 34")


@pytest.mark.clause("P2.3", "P5")
def test_an_identity_center_profile_assumes_the_role_as_the_user_with_no_code(
    alice: boto3.Session,
) -> None:
    """An SSO profile's session (of the permission set's AWSReservedSSO_ role, named after the
    Identity Center user) assumes the staff role under that name as session name and source
    identity; Identity Center asked for MFA at sign-in."""
    iam = alice.client("iam")
    sso_role = "AWSReservedSSO_OnGptAccountsSupport_0123456789abcdef"
    iam.create_role(
        RoleName=sso_role,
        Path="/aws-reserved/sso.amazonaws.com/ap-southeast-1/",
        AssumeRolePolicyDocument=json.dumps({}),
    )
    signed_in = alice.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/ap-southeast-1/{sso_role}",
        RoleSessionName="alice.nguyen@example.com",
    )["Credentials"]
    profile = boto3.Session(
        region_name=REGION,
        aws_access_key_id=signed_in["AccessKeyId"],
        aws_secret_access_key=signed_in["SecretAccessKey"],
        aws_session_token=signed_in["SessionToken"],
    )
    sent: list[dict[str, Any]] = []
    profile.events.register(
        "provide-client-params.sts.AssumeRole", lambda params, **_: sent.append(dict(params))
    )
    session = deployed_session(profile, Target(role="support", api_url=API_URL), never)
    (assume,) = sent
    assert assume["RoleArn"] == "arn:aws:iam::123456789012:role/Support"
    assert assume["RoleSessionName"] == assume["SourceIdentity"] == "alice.nguyen@example.com"
    assert "SerialNumber" not in assume
    assert identity_of(session).endswith(":assumed-role/Support/alice.nguyen@example.com")
