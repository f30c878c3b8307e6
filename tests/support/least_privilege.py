"""Least privilege, proven (issue 12, item 7): the AWS calls each function's code makes, recorded
under moto as the IAM actions they need, compared with what its role is allowed.

A call is attributed to the function whose environment is in place (``POWERTOOLS_SERVICE_NAME``),
so the test's own calls and the SQS poller's are not. Each call becomes the ``Use`` of one or more
IAM actions on a resource, with the condition keys IAM would see; what a service does with the
caller's rights on its behalf (DynamoDB and SQS with the tables' and queues' KMS key) and what
Lambda does with the function's role (logs, X-Ray, its SQS event source, its DLQ) are added as
documented, since no call of ours shows them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from infra import service_access as by_services
from local.template import Resolver, Template
from tests.support.faults import SERVICE_ERRORS

SERVICE_OF_FUNCTION = "POWERTOOLS_SERVICE_NAME"
IAM_PREFIX = {"sesv2": "ses"}  # boto3 service name -> IAM service prefix, where they differ
TRANSACT_ACTIONS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
    "Get": "dynamodb:GetItem",
}
LOG_WRITES = ("logs:CreateLogStream", "logs:PutLogEvents")
XRAY_WRITES = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
CONDITION_KEYS = (  # the condition keys the check evaluates; a policy with any other fails it
    "kms:EncryptionContextKeys",
    "kms:ViaService",
    "dynamodb:LeadingKeys",
    "ses:FromAddress",
)


@dataclass(frozen=True)
class Use:
    """One IAM action on one resource (an ARN, or ``*`` for what has none), with the condition
    keys the request carries (a key may have several values)."""

    action: str
    resource: str
    context: tuple[tuple[str, str], ...] = ()

    def values(self, key: str) -> list[str]:
        return [value for name, value in self.context if name == key]

    def qualifiers(self) -> str:
        """The data key's owner type, or the service that used a key on the caller's behalf."""
        owners = self.values("kms:EncryptionContextKeys")
        via = [v.split(".", 1)[0] for v in self.values("kms:ViaService")]
        return "".join([*(f" [{o}]" for o in owners), *(f" (via {v})" for v in via)])


@dataclass(frozen=True)
class Grant:
    """One allowed action on one resource pattern, under a statement's conditions, and for a
    multi-valued condition key, one of its values (each must be used)."""

    action: str
    resource: str
    conditions: dict[str, dict[str, Any]] = field(hash=False, compare=False)
    qualifier: tuple[str, str] | None = None
    deny: bool = False

    def covers(self, use: Use) -> bool:
        if not (_glob(self.action, use.action, False) and _glob(self.resource, use.resource)):
            return False
        if not all(_condition(op, values, use) for op, values in self.conditions.items()):
            return False
        if self.qualifier is None:
            return True
        key, pattern = self.qualifier
        return any(_glob(pattern, value) for value in use.values(key))

    def __str__(self) -> str:
        qualifier = f" [{self.qualifier[0]}={self.qualifier[1]}]" if self.qualifier else ""
        return f"{self.action} {self.resource}{qualifier}"


def _glob(pattern: str, value: str, case_sensitive: bool = True) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, 0 if case_sensitive else re.IGNORECASE) is not None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _condition(operator: str, tests: dict[str, Any], use: Use) -> bool:
    """IAM's evaluation of one condition operator for the operators our policies use."""
    for key, expected in tests.items():
        if key not in CONDITION_KEYS:
            raise ValueError(f"condition key {key} is not modelled by the least-privilege check")
        patterns, found = [str(p) for p in _as_list(expected)], use.values(key)
        match operator:
            case "Null":
                if (not found) != (str(expected).lower() == "true"):
                    return False
            case "StringEquals" | "StringLike":
                if not found or not any(_glob(p, v) for p in patterns for v in found):
                    return False
            case "ForAllValues:StringEquals" | "ForAllValues:StringLike":
                if not all(any(_glob(p, v) for p in patterns) for v in found):
                    return False
            case _:
                raise ValueError(f"condition operator {operator} is not modelled")
    return True


class Resources:
    """The template's resources by the names the code calls them with, as local ARNs."""

    def __init__(self, template: Template, resolver: Resolver) -> None:
        self.template, self.resolver = template, resolver
        self.region = template.region()
        self.tables: dict[str, tuple[str, str | None, str]] = {}  # name -> arn, key, hash key
        for logical_id, props in template.of_type("AWS::DynamoDB::Table"):
            key = props.get("SSESpecification", {}).get("KMSMasterKeyId")
            hash_key = next(
                k["AttributeName"] for k in props["KeySchema"] if k["KeyType"] == "HASH"
            )
            self.tables[resolver.refs[logical_id]] = (
                resolver.attributes[(logical_id, "Arn")],
                resolver.resolve(key) if key else None,
                hash_key,
            )
        self.queues: dict[str, tuple[str, str | None]] = {}  # url -> arn, key
        for logical_id, props in template.of_type("AWS::SQS::Queue"):
            key = props.get("KmsMasterKeyId")
            self.queues[resolver.refs[logical_id]] = (
                resolver.attributes[(logical_id, "Arn")],
                resolver.resolve(key) if key else None,
            )
        self.buckets: dict[str, str | None] = {}  # name -> its default KMS key
        for logical_id, props in template.of_type("AWS::S3::Bucket"):
            rules = props.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", [])
            defaults = rules[0].get("ServerSideEncryptionByDefault", {}) if rules else {}
            key = defaults.get("KMSMasterKeyID")
            self.buckets[resolver.refs[logical_id]] = resolver.resolve(key) if key else None
        self.names = {arn: logical_id for (logical_id, _), arn in resolver.attributes.items()}

    def arn(self, service: str, resource: str) -> str:
        account = self.resolver.resolve({"Ref": "AWS::AccountId"})
        return f"arn:aws:{service}:{self.region}:{account}:{resource}"

    def label(self, arn: str) -> str:
        """An ARN by the logical id of its resource, for people to read."""
        for known, logical_id in self.names.items():
            if arn.startswith(known):
                return logical_id + arn[len(known) :]
        return arn

    # -- the calls of our code ------------------------------------------------------------------

    def uses(self, service: str, operation: str, params: dict[str, Any]) -> list[Use]:
        match service:
            case "dynamodb":
                return self._dynamodb(operation, params)
            case "kms":
                contexts = tuple(
                    ("kms:EncryptionContextKeys", k) for k in params.get("EncryptionContext", {})
                )
                return [Use(f"kms:{operation}", params["KeyId"], contexts)]
            case "sqs":  # a batch is authorised as its single action (SQS developer guide)
                arn, key = self.queues[params["QueueUrl"]]
                action = f"sqs:{operation.removesuffix('Batch')}"
                return [Use(action, arn), *self._via("sqs", key, by_services.SQS_PRODUCER_KEY)]
            case "cognito-idp":
                pool = params["UserPoolId"]
                return [
                    Use(f"cognito-idp:{operation}", self.arn("cognito-idp", f"userpool/{pool}"))
                ]
            case "sesv2":
                return self._ses(operation, params)
            case "s3":
                return self._s3(operation, params)
            case "sns":
                target = params.get("TopicArn") or params.get("TargetArn") or "*"
                return [Use(f"sns:{operation}", target)]
        return [Use(f"{IAM_PREFIX.get(service, service)}:{operation}", "*")]

    def _dynamodb(self, operation: str, params: dict[str, Any]) -> list[Use]:
        if operation.startswith("Transact"):
            return [
                use
                for item in params["TransactItems"]
                for kind, request in item.items()
                for use in self._item(TRANSACT_ACTIONS[kind], request["TableName"], request)
            ]
        action, batches = f"dynamodb:{operation}", params.get("RequestItems", {})
        if operation == "BatchWriteItem":  # {table: [{"PutRequest": {"Item": ...}}, ...]}
            return [
                use
                for table, requests in batches.items()
                for request in requests
                for use in self._item(action, table, next(iter(request.values())))
            ]
        if operation == "BatchGetItem":  # {table: {"Keys": [...]}}
            return [
                use
                for table, request in batches.items()
                for key in request["Keys"]
                for use in self._item(action, table, {"Key": key})
            ]
        uses = self._item(action, params["TableName"], params)
        if "IndexName" in params:
            uses[0] = Use(uses[0].action, f"{uses[0].resource}/index/{params['IndexName']}")
        return uses

    def _item(self, action: str, table: str, request: dict[str, Any]) -> list[Use]:
        arn, key, hash_key = self.tables[table]
        item = request.get("Key") or request.get("Item") or {}
        leading = next(iter(item.get(hash_key, {}).values()), None)
        context = (("dynamodb:LeadingKeys", str(leading)),) if leading is not None else ()
        key_actions = (
            by_services.DYNAMODB_KEY_WRITE
            if action in by_services.DYNAMODB_WRITES
            else by_services.DYNAMODB_KEY_READ
        )
        return [Use(action, arn, context), *self._via("dynamodb", key, key_actions)]

    def _via(self, service: str, key: str | None, actions: tuple[str, ...]) -> list[Use]:
        via = (("kms:ViaService", f"{service}.{self.region}.amazonaws.com"),)
        return [Use(action, key, via) for action in actions] if key else []

    def _ses(self, operation: str, params: dict[str, Any]) -> list[Use]:
        sender = params["FromEmailAddress"]
        identity = sender.rsplit("@", 1)[1]
        resources = [self.arn("ses", f"identity/{identity}")]
        if "ConfigurationSetName" in params:
            resources.append(self.arn("ses", f"configuration-set/{params['ConfigurationSetName']}"))
        context = (("ses:FromAddress", sender),)
        return [Use(f"ses:{operation}", resource, context) for resource in resources]

    def _s3(self, operation: str, params: dict[str, Any]) -> list[Use]:
        """Listing is ``s3:ListBucket`` on the bucket; an object's get or put is on the object,
        with the bucket's KMS key used directly by the caller's role (SSE-KMS)."""
        bucket = f"arn:aws:s3:::{params['Bucket']}"
        if operation == "ListObjectsV2":
            return [Use("s3:ListBucket", bucket)]
        key = self.buckets.get(params["Bucket"])
        key_action = {"GetObject": "kms:Decrypt", "PutObject": "kms:GenerateDataKey"}[operation]
        uses = [Use(f"s3:{operation}", f"{bucket}/{params['Key']}")]
        return uses + ([Use(key_action, key)] if key else [])

    # -- what Lambda and the services do with the function's role --------------------------------

    def platform_uses(self, function_id: str) -> list[Use]:
        props = self.template.resources[function_id]["Properties"]
        log_group = props["LoggingConfig"]["LogGroup"]["Ref"]
        uses = [Use(a, self.resolver.attributes[(log_group, "Arn")]) for a in LOG_WRITES]
        if props.get("TracingConfig", {}).get("Mode") == "Active":
            uses += [Use(action, "*") for action in XRAY_WRITES]
        dead_letters = props.get("DeadLetterConfig", {}).get("TargetArn")
        if dead_letters:
            uses += self._queue_uses(self.resolver.resolve(dead_letters), ("sqs:SendMessage",))
        for _, mapping in self.template.of_type("AWS::Lambda::EventSourceMapping"):
            if mapping["FunctionName"] == {"Ref": function_id}:
                uses += self._event_source_uses(mapping)
        return uses

    def _event_source_uses(self, mapping: dict[str, Any]) -> list[Use]:
        """A queue's poller receives and deletes; a table stream's reads the stream (opening the
        table's key through DynamoDB) and records a failed batch on its OnFailure queue."""
        source = self.resolver.resolve(mapping["EventSourceArn"])
        table_id, attribute = mapping["EventSourceArn"]["Fn::GetAtt"]
        if attribute != "StreamArn":
            return self._queue_uses(source, by_services.SQS_EVENT_SOURCE, consumer=True)
        _, key, _ = self.tables[self.resolver.refs[table_id]]
        uses = [Use(action, source) for action in by_services.STREAM_EVENT_SOURCE]
        uses += self._via("dynamodb", key, by_services.DYNAMODB_KEY_READ)
        failures = mapping.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        if failures:
            uses += self._queue_uses(self.resolver.resolve(failures), ("sqs:SendMessage",))
        return uses

    def _queue_uses(self, arn: str, actions: tuple[str, ...], consumer: bool = False) -> list[Use]:
        key = next(k for a, k in self.queues.values() if a == arn)
        key_actions = by_services.SQS_CONSUMER_KEY if consumer else by_services.SQS_PRODUCER_KEY
        return [Use(action, arn) for action in actions] + self._via("sqs", key, key_actions)

    # -- what the role allows ---------------------------------------------------------------------

    def grants(self, role_id: str) -> list[Grant]:
        """Every action the role's policies, and the key policies naming the role, allow."""
        statements: list[tuple[dict[str, Any], str | None]] = [
            (statement, None)
            for _, props in self.template.of_type("AWS::IAM::Policy")
            if {"Ref": role_id} in props.get("Roles", [])
            for statement in _as_list(props["PolicyDocument"]["Statement"])
        ]
        role_arn = {"Fn::GetAtt": [role_id, "Arn"]}
        for key_id, props in self.template.of_type("AWS::KMS::Key"):
            for statement in _as_list(props["KeyPolicy"]["Statement"]):
                if role_arn in _as_list(statement.get("Principal", {}).get("AWS", [])):
                    statements.append((statement, self.resolver.attributes[(key_id, "Arn")]))
        return [
            grant
            for statement, key in statements
            for grant in grants_of(self.resolver.resolve(statement), key)
        ]


def grants_of(statement: dict[str, Any], key_arn: str | None) -> Iterator[Grant]:
    """A statement as grants; a key policy's ``*`` resource is the key itself."""
    conditions = statement.get("Condition", {})
    qualifiers: list[tuple[str, str] | None] = [
        (key, str(value))
        for operator, tests in conditions.items()
        if operator.startswith("ForAllValues:")
        for key, values in tests.items()
        for value in _as_list(values)
    ] or [None]
    resources = [key_arn] if key_arn else _as_list(statement["Resource"])
    for action in _as_list(statement["Action"]):
        for resource in resources:
            for qualifier in qualifiers:
                yield Grant(action, resource, conditions, qualifier, statement["Effect"] == "Deny")


@dataclass
class Comparison:
    """A function's uses against its role's grants."""

    uses: set[Use]
    grants: list[Grant]

    def missing(self) -> list[Use]:
        """Uses no grant allows, or a deny forbids."""
        return sorted(
            (
                use
                for use in self.uses
                if any(g.deny and g.covers(use) for g in self.grants)
                or not any(not g.deny and g.covers(use) for g in self.grants)
            ),
            key=str,
        )

    def unused(self) -> list[Grant]:
        return [g for g in self.grants if not g.deny and not any(g.covers(u) for u in self.uses)]


@dataclass
class Recorder:
    """The uses of every AWS call made while installed, by the function that made it, and the
    calls themselves in order."""

    resources: Resources
    uses: dict[str, set[Use]] = field(default_factory=dict)
    failing_calls: list[str] = field(default_factory=list)  # "sesv2.SendEmail": fails once
    # Every call in order: its function, operation and uses, without the values it carried.
    calls: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)

    @contextmanager
    def failing(self, *calls: str) -> Iterator[None]:
        """Each of these calls of a function fails once, after it was recorded: the paths that
        undo or report a failure call AWS too."""
        self.failing_calls = list(calls)
        try:
            yield
        finally:
            never, self.failing_calls = self.failing_calls, []
        assert not never, f"never called: {never}"

    @contextmanager
    def installed(self, monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
        real = getattr(BaseClient, "_make_api_call")  # noqa: B009 - private to botocore
        recorder = self

        def make_api_call(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            function = os.environ.get(SERVICE_OF_FUNCTION)
            if function is not None:
                service = client.meta.service_model.service_name
                found = recorder.resources.uses(service, operation, params)
                recorder.uses.setdefault(function, set()).update(found)
                uses = tuple(f"{u.action} {u.resource}{u.qualifiers()}" for u in found)
                recorder.calls.append((function, f"{service}.{operation}", uses))
                if f"{service}.{operation}" in recorder.failing_calls:
                    recorder.failing_calls.remove(f"{service}.{operation}")
                    code = SERVICE_ERRORS[service]
                    raise ClientError({"Error": {"Code": code, "Message": "injected"}}, operation)
            return real(client, operation, params)

        with monkeypatch.context() as patch:
            patch.setattr(BaseClient, "_make_api_call", make_api_call)
            yield self
