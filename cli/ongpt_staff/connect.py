"""Who the CLI signs as, and where it sends: the staff member's role on the deployed API, or a
staff principal of the local runtime.

Deployed: the staff roles trust the account's IAM users only with MFA and only under their own
user name as the session name (``sts:RoleSessionName`` = ``${aws:username}``), and IAM Identity
Center users only from a session of the role's permission set, under their own Identity Center
user name as the session name and the source identity (``infra/identity.py``): the handlers read
that name as the staff id (``ongpt/platform/caller.py``). So the CLI asks STS who the profile is:
an IAM user is prompted for the MFA code and assumes ``Support``, ``Compliance`` or ``Admin``
with that user name; an Identity Center session (an SSO profile, after ``aws sso login``) assumes
it with the session's own name, which Identity Center gave it after the user, and no code
(Identity Center asked for MFA at sign-in). A profile that already holds that role's session (an
``aws sts assume-role`` done by hand, for scripts) is used as it is. The API's URL is the stack's
``ApiUrl`` output (CloudFormation ``DescribeStacks``) unless ``--api-url`` names it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from ongpt.platform.access import STAFF_ROLES
from ongpt_staff.signing import SignedSession, local_credentials

# The IAM role of each staff principal: API.md's principal table, as the stack names the roles.
ROLE_NAMES = {principal: role for role, principal in STAFF_ROLES.items()}
STACK_NAME = "OnGptAccounts-Api"  # the stack of the API (infra/names.py)
API_URL_OUTPUT = "ApiUrl"
SESSION_SECONDS = 3600
LOCAL_CONFIG = Path(".local/config.json")

_USER = re.compile(
    r"^arn:(?P<partition>[\w-]+):iam::(?P<account>\d{12}):user/(?:.*/)?(?P<name>[^/]+)$"
)
_MFA_CODE = re.compile(r"\d{6}")
_ASSUMED = re.compile(r"^arn:[\w-]+:sts::\d{12}:assumed-role/(?P<role>[^/]+)/(?P<session>[^/]+)$")
# A session of an IAM Identity Center permission set, named after the user.
_IDENTITY_CENTER = re.compile(
    r"^arn:(?P<partition>[\w-]+):sts::(?P<account>\d{12}):assumed-role/AWSReservedSSO_[^/]+/"
    r"(?P<name>[^/]+)$"
)


class ConnectError(Exception):
    """The CLI could not get credentials or find the API; the message says what to do."""


@dataclass(frozen=True)
class Target:
    """Where to send and as whom: the role (``support``...) and the deployed or local API."""

    role: str
    local_config: Path | None = None
    staff_id: str | None = None  # local only: deployed, it is the IAM or Identity Center user name
    profile: str | None = None
    region: str | None = None
    stack: str = STACK_NAME
    api_url: str | None = None
    mfa_serial: str | None = None

    @property
    def role_name(self) -> str:
        return ROLE_NAMES[self.role]


def connect(target: Target, prompt: Callable[[str], str]) -> SignedSession:
    if target.local_config is not None:
        return local_session(target)
    return deployed_session(
        boto3.Session(profile_name=target.profile, region_name=target.region), target, prompt
    )


def local_session(target: Target) -> SignedSession:
    """The local runtime's staff credentials for ``target.role`` as ``target.staff_id``."""
    assert target.local_config is not None
    try:
        config = json.loads(target.local_config.read_text())
    except FileNotFoundError:
        raise ConnectError(
            f"{target.local_config} not found: start the local runtime (make run) first"
        ) from None
    api_url = target.api_url or config["api_url"]
    principal = {"staff_role": target.role, "staff_id": target.staff_id or "local-staff"}
    return SignedSession(api_url, config["region"], local_credentials(api_url, **principal))


def deployed_session(
    base: boto3.Session, target: Target, prompt: Callable[[str], str]
) -> SignedSession:
    """The staff role assumed with MFA from ``base`` (the staff member's profile)."""
    region = base.region_name
    if not region:
        raise ConnectError("no region: give --region or set one in the profile")
    api_url = target.api_url or stack_api_url(base, target.stack)  # before asking for a code
    sts = base.client("sts")
    arn = sts.get_caller_identity()["Arn"]
    assumed = _ASSUMED.match(arn)
    if assumed and assumed.group("role") == target.role_name:
        held = base.get_credentials()
        assert held is not None  # STS answered: the profile has credentials
        credentials = held
    else:
        credentials = _assume(base, sts, arn, target, prompt)
    return SignedSession(api_url, region, credentials)


def _assume(
    base: boto3.Session, sts: Any, arn: str, target: Target, prompt: Callable[[str], str]
) -> Credentials:
    sso = _IDENTITY_CENTER.match(arn)
    if sso:
        return _assume_as_identity_center_user(sts, sso, target)
    user = _USER.match(arn)
    if not user:
        raise ConnectError(
            f"the profile signs as {arn}: the staff roles are assumed from your own IAM user "
            "(its access key in the profile), from your IAM Identity Center permission set (an "
            "SSO profile), or give a profile that already holds the role"
        )
    partition, account, name = user.group("partition", "account", "name")
    serial = (
        target.mfa_serial
        or base._session.get_scoped_config().get("mfa_serial")
        or f"arn:{partition}:iam::{account}:mfa/{name}"
    )
    code = prompt(f"MFA code for {serial}: ").strip()
    if not _MFA_CODE.fullmatch(code):
        raise ConnectError("an MFA code is the 6 digits your device shows")
    # The trust policy requires the user's own name: the staff id.
    return _role(sts, user, target, RoleSessionName=name, SerialNumber=serial, TokenCode=code)


def _assume_as_identity_center_user(
    sts: Any, session: re.Match[str], target: Target
) -> Credentials:
    """The staff role from an Identity Center session, under the user's own name as session name
    and source identity (the trust policy checks both against the name Identity Center tagged the
    session with; any session name is a valid source identity, both being 2 to 64 letters, digits
    or ``+=,.@_-``); chained from a role, for at most an hour."""
    name = session.group("name")
    return _role(sts, session, target, RoleSessionName=name, SourceIdentity=name)


def _role(sts: Any, caller: re.Match[str], target: Target, **params: str) -> Credentials:
    """The target's role of the caller's partition and account, assumed with ``params``."""
    partition, account = caller.group("partition", "account")
    issued = sts.assume_role(
        RoleArn=f"arn:{partition}:iam::{account}:role/{target.role_name}",
        DurationSeconds=SESSION_SECONDS,
        **params,
    )["Credentials"]
    return Credentials(issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"])


def stack_api_url(base: boto3.Session, stack: str) -> str:
    """The ``ApiUrl`` output of the deployed stack."""
    try:
        found = base.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "ValidationError":  # how CloudFormation says so
            raise
        raise ConnectError(
            f"no stack {stack} in {base.region_name}: give --stack, --region or --api-url"
        ) from None
    for output in found[0].get("Outputs", []):
        if output["OutputKey"] == API_URL_OUTPUT:
            return str(output["OutputValue"])
    raise ConnectError(f"stack {stack} has no {API_URL_OUTPUT} output: give --api-url")
