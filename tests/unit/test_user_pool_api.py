"""P2.3, P6.1: every public operation of the user pool API (no AWS credentials: what a customer's
token, or nobody, may call on Cognito itself) is decided, allowed, refused by Cognito or blocked
by the user pool's web ACL; a new one in the SDK's model fails here until it is decided."""

from __future__ import annotations

import botocore.session
import pytest

from infra.user_pool_api import BLOCKED, PUBLIC_OPERATIONS, TARGET_PREFIX, Outcome, blocked


def public_operations_of_the_sdk() -> set[str]:
    """The operations botocore's model says need no AWS signature (Smithy's ``noAuth``)."""
    model = botocore.session.get_session().get_service_model("cognito-idp")
    assert model.metadata["targetPrefix"] == TARGET_PREFIX.rstrip(".")
    return {
        name for name in model.operation_names if model.operation_model(name).auth_type == "none"
    }


@pytest.mark.clause("P2.3", "P6.1")
def test_every_public_operation_of_the_user_pool_is_decided() -> None:
    assert set(PUBLIC_OPERATIONS) == public_operations_of_the_sdk()


@pytest.mark.clause("P2.3", "P6.1")
def test_what_goes_around_the_service_is_blocked_and_what_the_page_uses_is_not() -> None:
    assert {"DeleteUser", "GetUserAttributeVerificationCode", "VerifyUserAttribute"} <= set(BLOCKED)
    used_by_the_privacy_centre = (
        "InitiateAuth",
        "RespondToAuthChallenge",
        "AssociateSoftwareToken",
        "VerifySoftwareToken",
        "SetUserMFAPreference",
        "ChangePassword",
    )
    assert all(PUBLIC_OPERATIONS[n].outcome is Outcome.ALLOWED for n in used_by_the_privacy_centre)
    # Refused by the pool's own settings (infra/identity.py), not by the web ACL.
    for name in ("SignUp", "ForgotPassword", "UpdateUserAttributes"):
        assert PUBLIC_OPERATIONS[name].outcome is Outcome.REFUSED_BY_COGNITO


def test_the_web_acl_compares_the_target_case_insensitively() -> None:
    assert blocked("AWSCognitoIdentityProviderService.DeleteUser")
    assert blocked("awscognitoidentityproviderservice.DELETEUSER")
    assert not blocked("AWSCognitoIdentityProviderService.InitiateAuth")
    assert not blocked("DeleteUser")
