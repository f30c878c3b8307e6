"""Who callers are (P2.2, P2.3): the customer user pool with MFA required, the identity pool's
guest and customer roles, and the staff roles. What each may invoke is added by the API."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_cognito_identitypool as identitypool
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra import cognito_messages
from infra.access import STAFF_ROLES
from infra.compliance import acknowledge, wildcard_resource
from infra.settings import Settings

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
        """A role staff assume from the console or SSO, only with MFA (P2.3, P5), and only under
        their own IAM user name as the session name: the staff id in the audit log."""
        return iam.Role(
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
