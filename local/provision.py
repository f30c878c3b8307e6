"""Creates in moto what the template declares and the handlers use, by reading the template.

Keys, tables (keys, indexes, TTL), buckets (with their Object Lock default retention), queues
(with their redrive), the user pool (username attributes, MFA, password policy), its client and
groups, the identity pool, the SES identity and configuration set. Everything else gets a local
name and ARN, so every ``Ref`` and ``Fn::GetAtt`` a function's environment uses resolves.
"""

from __future__ import annotations

import json
import secrets
import string
from typing import Any

import boto3

from local.template import ACCOUNT_ID, Resolver, Template


def _arn(region: str, service: str, resource: str) -> str:
    return f"arn:aws:{service}:{region}:{ACCOUNT_ID}:{resource}"


def _short_id(length: int = 10) -> str:
    return "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(length))


class Provisioner:
    """Creates the template's resources through boto3 clients pointed at moto."""

    def __init__(self, template: Template, endpoint_url: str | None) -> None:
        self.template = template
        self.region = template.region()
        self.resolver = Resolver(self.region)
        self._endpoint = endpoint_url

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=self.region, endpoint_url=self._endpoint)  # type: ignore[call-overload]

    def run(self) -> Resolver:
        steps = (
            ("AWS::KMS::Key", self._key),
            ("AWS::DynamoDB::Table", self._table),
            ("AWS::S3::Bucket", self._bucket),
            ("AWS::SQS::Queue", self._queue),
            ("AWS::Cognito::UserPool", self._user_pool),
            ("AWS::Cognito::UserPoolClient", self._user_pool_client),
            ("AWS::Cognito::UserPoolGroup", self._user_pool_group),
            ("AWS::Cognito::IdentityPool", self._identity_pool),
            ("AWS::SES::ConfigurationSet", self._configuration_set),
            ("AWS::SES::EmailIdentity", self._email_identity),
            ("AWS::IAM::Role", self._role),
            ("AWS::Lambda::Function", self._function),
            ("AWS::ApiGateway::RestApi", self._rest_api),
            ("AWS::CloudFront::Distribution", self._distribution),
        )
        for type_, create in steps:
            for logical_id, props in self.template.of_type(type_):
                create(logical_id, props)
        self._redrive_queues()
        for logical_id in self.template.resources:
            if logical_id not in self.resolver.refs:  # not used by handlers: a name is enough
                self.resolver.set(
                    logical_id, logical_id, Arn=_arn(self.region, "local", logical_id)
                )
        return self.resolver

    def _distribution(self, logical_id: str, _props: dict[str, Any]) -> None:
        """Not served locally (local/site.py serves the page): a domain name is enough."""
        domain = f"{logical_id.lower()}.cloudfront.net"
        self.resolver.set(logical_id, logical_id, DomainName=domain)

    def _key(self, logical_id: str, props: dict[str, Any]) -> None:
        key = self.client("kms").create_key(
            Description=props.get("Description", logical_id),
            KeySpec=props.get("KeySpec", "SYMMETRIC_DEFAULT"),
            KeyUsage=props.get("KeyUsage", "ENCRYPT_DECRYPT"),
        )["KeyMetadata"]
        self.resolver.set(logical_id, key["KeyId"], Arn=key["Arn"])

    def _table(self, logical_id: str, props: dict[str, Any]) -> None:
        dynamodb = self.client("dynamodb")
        name = f"{logical_id}-{_short_id(6)}"
        args: dict[str, Any] = {
            "TableName": name,
            "KeySchema": props["KeySchema"],
            "AttributeDefinitions": props["AttributeDefinitions"],
            "BillingMode": "PAY_PER_REQUEST",
        }
        if props.get("GlobalSecondaryIndexes"):
            args["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        if "StreamSpecification" in props:
            view = props["StreamSpecification"]["StreamViewType"]
            args["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": view}
        table = dynamodb.create_table(**args)["TableDescription"]
        if "TimeToLiveSpecification" in props:
            dynamodb.update_time_to_live(
                TableName=name, TimeToLiveSpecification=props["TimeToLiveSpecification"]
            )
        stream = {"StreamArn": table["LatestStreamArn"]} if "LatestStreamArn" in table else {}
        self.resolver.set(logical_id, name, Arn=table["TableArn"], **stream)

    def _bucket(self, logical_id: str, props: dict[str, Any]) -> None:
        """moto keeps Object Lock as S3 does (a locked version cannot be deleted, a default
        retention applies to new objects) but does not evaluate bucket policies."""
        s3 = self.client("s3")
        name = f"{logical_id.lower()[:40]}-{_short_id(6)}"
        where = {} if self.region == "us-east-1" else {"LocationConstraint": self.region}
        s3.create_bucket(
            Bucket=name,
            CreateBucketConfiguration=where,
            ObjectLockEnabledForBucket=bool(props.get("ObjectLockEnabled")),
        )
        if "ObjectLockConfiguration" in props:
            s3.put_object_lock_configuration(
                Bucket=name, ObjectLockConfiguration=props["ObjectLockConfiguration"]
            )
        self.resolver.set(logical_id, name, Arn=f"arn:aws:s3:::{name}")

    def _queue(self, logical_id: str, props: dict[str, Any]) -> None:
        sqs = self.client("sqs")
        attributes = {"VisibilityTimeout": str(props.get("VisibilityTimeout", 30))}
        url = sqs.create_queue(QueueName=f"{logical_id}-{_short_id(6)}", Attributes=attributes)[
            "QueueUrl"
        ]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        self.resolver.set(logical_id, url, Arn=arn, QueueName=url.rsplit("/", 1)[1], QueueUrl=url)

    def _redrive_queues(self) -> None:
        for logical_id, props in self.template.of_type("AWS::SQS::Queue"):
            if "RedrivePolicy" in props:
                self.client("sqs").set_queue_attributes(
                    QueueUrl=self.resolver.refs[logical_id],
                    Attributes={
                        "RedrivePolicy": json.dumps(self.resolver.resolve(props["RedrivePolicy"]))
                    },
                )

    def _user_pool(self, logical_id: str, props: dict[str, Any]) -> None:
        idp = self.client("cognito-idp")
        copied = (
            "Policies",
            "AutoVerifiedAttributes",
            "UsernameAttributes",
            "UsernameConfiguration",
            "AdminCreateUserConfig",
            "AccountRecoverySetting",
            "Schema",
            "MfaConfiguration",
            "SmsAuthenticationMessage",  # the SMS MFA text local/cognito_rules.py sends
            "VerificationMessageTemplate",
        )
        args = {k: props[k] for k in copied if k in props}
        pool = idp.create_user_pool(PoolName=props.get("UserPoolName", logical_id), **args)[
            "UserPool"
        ]
        enabled = set(props.get("EnabledMfas", []))
        idp.set_user_pool_mfa_config(
            UserPoolId=pool["Id"],
            SoftwareTokenMfaConfiguration={"Enabled": "SOFTWARE_TOKEN_MFA" in enabled},
            SmsMfaConfiguration={
                "SmsConfiguration": {"SnsCallerArn": _arn(self.region, "iam", "role/local-sms")}
            }
            if "SMS_MFA" in enabled
            else {},
            MfaConfiguration=props.get("MfaConfiguration", "OFF"),
        )
        self.resolver.set(
            logical_id,
            pool["Id"],
            Arn=pool["Arn"],
            ProviderName=f"cognito-idp.{self.region}.amazonaws.com/{pool['Id']}",
            ProviderURL=f"https://cognito-idp.{self.region}.amazonaws.com/{pool['Id']}",
        )

    def _user_pool_client(self, logical_id: str, props: dict[str, Any]) -> None:
        client = self.client("cognito-idp").create_user_pool_client(
            UserPoolId=self.resolver.resolve(props["UserPoolId"]),
            ClientName=props.get("ClientName", logical_id),
            GenerateSecret=props.get("GenerateSecret", False),
            ExplicitAuthFlows=props.get("ExplicitAuthFlows", []),
            # What a customer's own token may write, and whether sign-in errors hide which users
            # exist (local/user_pool_front.py applies both).
            **{
                k: props[k] for k in ("WriteAttributes", "PreventUserExistenceErrors") if k in props
            },
        )["UserPoolClient"]
        self.resolver.set(logical_id, client["ClientId"])

    def _user_pool_group(self, logical_id: str, props: dict[str, Any]) -> None:
        self.client("cognito-idp").create_group(
            UserPoolId=self.resolver.resolve(props["UserPoolId"]), GroupName=props["GroupName"]
        )
        self.resolver.set(logical_id, props["GroupName"])

    def _identity_pool(self, logical_id: str, props: dict[str, Any]) -> None:
        pool = self.client("cognito-identity").create_identity_pool(
            IdentityPoolName=props.get("IdentityPoolName", logical_id),
            AllowUnauthenticatedIdentities=props.get("AllowUnauthenticatedIdentities", False),
            CognitoIdentityProviders=self.resolver.resolve(
                props.get("CognitoIdentityProviders", [])
            ),
        )
        self.resolver.set(logical_id, pool["IdentityPoolId"], Name=pool["IdentityPoolName"])

    def _configuration_set(self, logical_id: str, props: dict[str, Any]) -> None:
        name = props.get("Name", f"{logical_id.lower()}")
        self.client("sesv2").create_configuration_set(ConfigurationSetName=name)
        self.resolver.set(logical_id, name)

    def _email_identity(self, logical_id: str, props: dict[str, Any]) -> None:
        identity = props["EmailIdentity"]
        ses = self.client("ses")
        ses.verify_domain_identity(Domain=identity)
        self.resolver.set(logical_id, identity)

    def _role(self, logical_id: str, props: dict[str, Any]) -> None:
        name = props.get("RoleName", logical_id)
        self.resolver.set(logical_id, name, Arn=_arn("", "iam", f"role/{name}"))

    def _function(self, logical_id: str, _props: dict[str, Any]) -> None:
        self.resolver.set(
            logical_id, logical_id, Arn=_arn(self.region, "lambda", f"function:{logical_id}")
        )

    def _rest_api(self, logical_id: str, _props: dict[str, Any]) -> None:
        api_id = _short_id()
        self.resolver.set(logical_id, api_id, RootResourceId=_short_id())
