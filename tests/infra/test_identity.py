"""P1.2, P2.2, P2.3: the customer user pool, the identity pool and the staff roles."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from tests.support.synthesized import resources


def _user_pool(template_json: dict[str, Any]) -> dict[str, Any]:
    (pool,) = resources(template_json, "AWS::Cognito::UserPool").values()
    return pool


@pytest.mark.clause("P2.3")
def test_mfa_is_required_with_totp_and_sms(template_json: dict[str, Any]) -> None:
    pool = _user_pool(template_json)
    assert pool["MfaConfiguration"] == "ON"
    assert set(pool["EnabledMfas"]) == {"SOFTWARE_TOKEN_MFA", "SMS_MFA"}


@pytest.mark.clause("P1.2")
def test_email_and_phone_are_usernames_case_insensitively(template_json: dict[str, Any]) -> None:
    pool = _user_pool(template_json)
    assert set(pool["UsernameAttributes"]) == {"email", "phone_number"}
    assert pool["UsernameConfiguration"] == {"CaseSensitive": False}
    assert pool["AdminCreateUserConfig"] == {"AllowAdminCreateUserOnly": True}


@pytest.mark.clause("P1.2")
def test_a_user_names_the_registration_that_made_it_for_good(template_json: dict[str, Any]) -> None:
    """``custom:registration_id`` (ongpt/customers/accounts.py): set by AdminCreateUser, never
    changed after, so that the retry of a creation whose answer was lost knows its own user."""
    (declared,) = [a for a in _user_pool(template_json)["Schema"] if a["Name"] == "registration_id"]
    assert (declared["AttributeDataType"], declared["Mutable"]) == ("String", False)


@pytest.mark.clause("P2.3")
def test_password_policy_is_strong(template_json: dict[str, Any]) -> None:
    policy = _user_pool(template_json)["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 12
    assert all(
        policy[k]
        for k in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols")
    )


@pytest.mark.clause("P2.3")
def test_threat_protection_is_enforced(template_json: dict[str, Any]) -> None:
    pool = _user_pool(template_json)
    assert pool["UserPoolAddOns"]["AdvancedSecurityMode"] == "ENFORCED"
    assert pool["UserPoolTier"] == "PLUS"
    assert pool["DeletionProtection"] == "ACTIVE"


@pytest.mark.clause("P2.3")
def test_app_client_is_public_with_srp_password_and_refresh(template_json: dict[str, Any]) -> None:
    (client,) = resources(template_json, "AWS::Cognito::UserPoolClient").values()
    assert client["GenerateSecret"] is False
    assert set(client["ExplicitAuthFlows"]) == {
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    }
    assert client["PreventUserExistenceErrors"] == "ENABLED"


@pytest.mark.clause("P1.2", "P2.3")
def test_cognitos_own_password_reset_is_off(template_json: dict[str, Any]) -> None:
    """Only administrators reset passwords in Cognito: a customer recovers through the service
    (both addresses proven, audited), never by ForgotPassword and an email alone."""
    (pool,) = resources(template_json, "AWS::Cognito::UserPool").values()
    assert pool["AccountRecoverySetting"] == {
        "RecoveryMechanisms": [{"Name": "admin_only", "Priority": 1}]
    }


@pytest.mark.clause("P1.2")
def test_customers_cannot_change_their_email_or_phone_in_cognito(
    template_json: dict[str, Any],
) -> None:
    """P6.1: only the service changes sign-in addresses (edit requests); an app client without
    WriteAttributes may write every standard attribute with the customer's access token."""
    (client,) = resources(template_json, "AWS::Cognito::UserPoolClient").values()
    writable = set(client.get("WriteAttributes", ["<every standard attribute>"]))
    assert writable.isdisjoint(
        {
            "email",
            "phone_number",
            "email_verified",
            "phone_number_verified",
            "<every standard attribute>",
        }
    )
    required = {a["Name"] for a in _user_pool(template_json)["Schema"] if a.get("Required")}
    assert required <= writable  # Cognito refuses a client that cannot write a required one


@pytest.mark.clause("P2.2")
def test_customers_group_exists(template: Template) -> None:
    template.has_resource_properties("AWS::Cognito::UserPoolGroup", {"GroupName": "customers"})


@pytest.mark.clause("P2.2")
def test_identity_pool_lets_guests_use_the_basic_flow(template_json: dict[str, Any]) -> None:
    """The enhanced flow scopes guests down to a session policy without execute-api:Invoke."""
    (pool,) = resources(template_json, "AWS::Cognito::IdentityPool").values()
    assert pool["AllowUnauthenticatedIdentities"] is True
    assert pool["AllowClassicFlow"] is True
    assert len(pool["CognitoIdentityProviders"]) == 1
    (attachment,) = resources(template_json, "AWS::Cognito::IdentityPoolRoleAttachment").values()
    assert set(attachment["Roles"]) == {"authenticated", "unauthenticated"}


@pytest.mark.clause("P2.2", "P2.3")
def test_staff_roles_need_mfa_and_their_own_user_name_as_session_name(template: Template) -> None:
    """P2.3, P5: the session name is the staff id in the audit log; the caller may not choose
    another's."""
    for name in ("Support", "Compliance", "Admin"):
        template.has_resource_properties(
            "AWS::IAM::Role",
            {
                "RoleName": name,
                "AssumeRolePolicyDocument": {
                    "Statement": Match.array_with(
                        [
                            Match.object_like(
                                {
                                    "Action": "sts:AssumeRole",
                                    "Condition": {
                                        "Bool": {"aws:MultiFactorAuthPresent": "true"},
                                        "StringEquals": {"sts:RoleSessionName": "${aws:username}"},
                                    },
                                }
                            )
                        ]
                    )
                },
            },
        )


@pytest.mark.clause("P2.2", "P2.3")
def test_identity_center_users_reach_a_staff_role_only_from_its_permission_set_as_themselves(
    template_json: dict[str, Any],
) -> None:
    """P5: from a session of the role's own permission set only, with the session name and the
    source identity both the user name Identity Center puts in the session's tag."""
    roles = {
        props["RoleName"]: props
        for props in resources(template_json, "AWS::IAM::Role").values()
        if props.get("RoleName") in ("Support", "Compliance", "Admin")
    }
    assert set(roles) == {"Support", "Compliance", "Admin"}
    for name, props in roles.items():
        statements = props["AssumeRolePolicyDocument"]["Statement"]
        (sso,) = [s for s in statements if s.get("Sid") == "FromIdentityCenter"]
        assert len(statements) == 2
        assert sorted(sso["Action"]) == ["sts:AssumeRole", "sts:SetSourceIdentity"]
        pattern = json.dumps(sso["Condition"]["ArnLike"]["aws:PrincipalArn"])
        assert (
            ":role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_OnGptAccounts" + name + "_*"
            in pattern
        )
        assert sso["Condition"]["StringEquals"] == {
            "sts:RoleSessionName": "${aws:PrincipalTag/userName}",
            "sts:SourceIdentity": "${aws:PrincipalTag/userName}",
        }
