"""Who callers are (P2.2, P2.3): the customer user pool with MFA required, the identity pool's
guest and customer roles, and the staff roles. What each may invoke is added by the API."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_cognito_identitypool as identitypool
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra import cognito_messages
from infra.access import STAFF_ROLES
from infra.compliance import acknowledge, wildcard_resource
from infra.settings import Settings
from ongpt.platform.access import SSO_PERMISSION_SETS, SSO_USER_NAME_TAG

CUSTOMERS_GROUP = "customers"


class Identity(Construct):
    """User pool, app client, identity pool and the IAM roles of every principal."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "Customers",
            user_pool_name="ongpt-accounts-customers",
            self_sign_up_enabled=False,  # accounts are created by the registration API (P1.2)
            sign_in_aliases=cognito.SignInAliases(email=True, phone=True),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True, phone=True),
            keep_original=cognito.KeepOriginalAttrs(email=True, phone=True),
            # Not "required": Cognito lets no app client lose write access to a required
            # attribute, and customers must not write these (P6.1). The registration API always
            # sets both (AdminCreateUser, which client write attributes do not limit).
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=False, mutable=True),
                phone_number=cognito.StandardAttribute(required=False, mutable=True),
            ),
            # The registration that made the user (a UUID), set once by AdminCreateUser: its
            # retry after a lost answer finds that user and takes it as made
            # (ongpt/customers/accounts.py). A custom attribute can be added to a pool, never
            # changed or removed:
            # https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-updating.html
            custom_attributes={
                "registration_id": cognito.StringAttribute(min_len=36, max_len=36, mutable=False)
            },
            mfa=cognito.Mfa.REQUIRED,
            mfa_second_factor=cognito.MfaSecondFactor(sms=True, otp=True),
            # Cognito's own messages, in both languages (infra/cognito_messages.py).
            mfa_message=cognito_messages.MFA_SMS,
            user_verification=cognito.UserVerificationConfig(
                email_style=cognito.VerificationEmailStyle.CODE,
                email_subject=cognito_messages.VERIFICATION_EMAIL_SUBJECT,
                email_body=cognito_messages.VERIFICATION_EMAIL_BODY,
                sms_message=cognito_messages.VERIFICATION_SMS,
            ),
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(1),
                password_history_size=5,
            ),
            # Recovery is the service's own (/v1/recoveries: both addresses proven, audited,
            # every session revoked); Cognito's ForgotPassword, public on the app client,
            # would reset a password by email alone, around it.
            account_recovery=cognito.AccountRecovery.NONE,
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            custom_threat_protection_mode=cognito.CustomThreatProtectionMode.FULL_FUNCTION,
            email=cognito.UserPoolEmail.with_ses(
                from_email=settings.sender_email,
                from_name="OnGPT",
                ses_verified_domain=settings.sender_domain,
            ),
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.client = self.user_pool.add_client(
            "AppClient",
            user_pool_client_name="ongpt-web-and-mobile",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_srp=True, user_password=True),
            disable_o_auth=True,
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            access_token_validity=Duration.hours(1),
            id_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(30),
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            # Email and phone change only through edit requests (P6.1): review, audit, notices
            # and the uniqueness guards. Without this list a customer's access token could
            # UpdateUserAttributes on every standard attribute.
            write_attributes=cognito.ClientAttributes().with_standard_attributes(locale=True),
        )
        cognito.CfnUserPoolGroup(
            self,
            "CustomersGroup",
            user_pool_id=self.user_pool.user_pool_id,
            group_name=CUSTOMERS_GROUP,
            description="Verified OnGPT customers",
        )
        self.identity_pool = identitypool.IdentityPool(
            self,
            "IdentityPool",
            identity_pool_name="ongpt_accounts",
            allow_unauthenticated_identities=True,  # guests register, complain, send analytics
            # Guests use the basic flow: the enhanced flow scopes unauthenticated credentials
            # down to AmazonCognitoUnAuthedIdentitiesSessionPolicy, which has no
            # execute-api:Invoke (API.md, Principals). Customers keep the enhanced flow.
            allow_classic_flow=True,
            authentication_providers=identitypool.IdentityPoolAuthenticationProviders(
                user_pools=[
                    identitypool.UserPoolAuthenticationProvider(
                        user_pool=self.user_pool, user_pool_client=self.client
                    )
                ]
            ),
        )
        acknowledge(
            self.identity_pool,
            "Guests (unauthenticated identities) may register, complain and send analytics "
            "(API.md, Principals); their role allows nothing else.",
            "AwsSolutions-COG7",
        )
        sms_role = self.user_pool.node.find_child("smsRole")
        acknowledge(
            sms_role,
            "Cognito's SMS role publishes MFA and verification texts to phone numbers, which "
            "have no ARN.",
            wildcard_resource(sms_role, "*"),
        )
        self.guest_role = self.identity_pool.unauthenticated_role
        self.customer_role = self.identity_pool.authenticated_role
        self.staff_roles = {name: self._staff_role(name) for name in STAFF_ROLES}

    def _staff_role(self, name: str) -> iam.Role:
        """A role staff assume under their own user name as the session name (the staff id in the
        audit log, ``ongpt.platform.caller``), which nobody may choose: from an IAM user with MFA,
        or from a session of the IAM Identity Center permission set named for the role."""
        role = iam.Role(
            self,
            f"{name}Role",
            role_name=name,
            description=f"OnGPT Accounts staff: {name}",
            assumed_by=iam.AccountRootPrincipal().with_conditions(
                {
                    "Bool": {"aws:MultiFactorAuthPresent": "true"},
                    "StringEquals": {"sts:RoleSessionName": "${aws:username}"},
                }
            ),
            max_session_duration=Duration.hours(8),
        )
        # Identity Center: the permission set's roles are AWSReservedSSO_<name>_<suffix> under
        # /aws-reserved/sso.amazonaws.com/ ("Referencing permission sets in resource policies",
        # https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html);
        # the session name and the source identity must both be the user's Identity Center user
        # name, which Identity Center itself puts in the session's tag SSO_USER_NAME_TAG
        # (attributes for access control, ${path:userName},
        # https://docs.aws.amazon.com/singlesignon/latest/userguide/configure-abac.html). A source
        # identity stays with the session and every role chained from it, in CloudTrail for each
        # call ("Monitor and control actions taken with assumed roles",
        # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html).
        # MFA is Identity Center's own sign-in setting there, which no trust policy can see.
        stack = Stack.of(self)
        permission_set_roles = (
            f"arn:{stack.partition}:iam::{stack.account}:role/aws-reserved/sso.amazonaws.com/"
            f"*AWSReservedSSO_{SSO_PERMISSION_SETS[name]}_*"
        )
        user_name = f"${{aws:PrincipalTag/{SSO_USER_NAME_TAG}}}"
        assert role.assume_role_policy is not None
        role.assume_role_policy.add_statements(
            iam.PolicyStatement(
                sid="FromIdentityCenter",
                principals=[iam.AccountRootPrincipal()],
                actions=["sts:AssumeRole", "sts:SetSourceIdentity"],
                conditions={
                    "ArnLike": {"aws:PrincipalArn": permission_set_roles},
                    "StringEquals": {
                        "sts:RoleSessionName": user_name,
                        "sts:SourceIdentity": user_name,
                    },
                },
            )
        )
        return role
