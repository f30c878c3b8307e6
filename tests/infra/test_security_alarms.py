"""P2.5: the alarms a security team watches, each with its metric, filter and threshold, to the
alarm topic, each CloudTrail filter matching the events it watches and not their neighbours; the
audit verification job daily; business figures on the admins' dashboard; the API's URL as a stack
output for the staff CLI."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.security_alarms import (
    API_FORBIDDEN_SPIKE,
    SES_BOUNCE_RATE,
    SES_COMPLAINT_RATE,
    Watched,
    trail_alarms,
)
from ongpt_staff.connect import API_URL_OUTPUT, STACK_NAME
from tests.support.log_filters import matches
from tests.support.synthesized import logical_id, resources

AUDIT_TABLE = "/Data/Audit/Resource"
# CloudWatch Logs refuses a longer filter pattern
# (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_MetricFilter.html).
MAX_PATTERN = 1024


def alarm(template_json: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [
        a
        for a in resources(template_json, "AWS::CloudWatch::Alarm").values()
        if a["AlarmName"] == f"OnGptAccounts-{name}"
    ]
    (topic,) = resources(template_json, "AWS::SNS::Topic")
    assert found["AlarmActions"] == [{"Ref": topic}]
    return found


def pattern(template_json: dict[str, Any], metric: str) -> tuple[str, str]:
    """The filter pattern counted as ``metric`` (tokens as ``<Ref>``), and its log group's id."""
    (found,) = [
        f
        for f in resources(template_json, "AWS::Logs::MetricFilter").values()
        if f["MetricTransformations"][0]["MetricName"] == metric
    ]
    (transformation,) = found["MetricTransformations"]
    assert (transformation["MetricNamespace"], transformation["MetricValue"]) == (
        "OnGptAccounts/Security",
        "1",
    )
    text = found["FilterPattern"]
    if isinstance(text, dict):
        text = "".join(
            part if isinstance(part, str) else f"<{json.dumps(part)}>"
            for part in text["Fn::Join"][1]
        )
    return text, found["LogGroupName"]["Ref"]


def on_the_trail(template_json: dict[str, Any], name: str, *expected: str) -> None:
    """One matching CloudTrail event in 5 minutes raises alarm ``name``; its filter holds each
    of ``expected``."""
    found = alarm(template_json, name)
    assert (found["Namespace"], found["MetricName"]) == ("OnGptAccounts/Security", name)
    assert (found["Statistic"], found["Period"], found["Threshold"]) == ("Sum", 300, 1)
    assert found["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    text, log_group = pattern(template_json, name)
    (trail,) = resources(template_json, "AWS::CloudTrail::Trail").values()
    assert trail["CloudWatchLogsLogGroupArn"] == {"Fn::GetAtt": [log_group, "Arn"]}
    for part in expected:
        assert part in text, (name, part, text)


@pytest.mark.clause("P2.5")
def test_kms_keys_disabled_or_scheduled_for_deletion(template_json: dict[str, Any]) -> None:
    on_the_trail(
        template_json,
        "KmsKeyDisabledOrDeletionScheduled",
        '$.eventSource = "kms.amazonaws.com"',
        '$.eventName = "DisableKey"',
        '$.eventName = "ScheduleKeyDeletion"',
    )


@pytest.mark.clause("P2.5")
def test_kms_key_policies_changed(template_json: dict[str, Any]) -> None:
    on_the_trail(
        template_json,
        "KmsKeyPolicyChanged",
        '$.eventName = "PutKeyPolicy"',
        '$.eventName = "DisableKeyRotation"',
    )


@pytest.mark.clause("P2.5")
def test_changes_to_our_iam_roles_and_their_policies(template_json: dict[str, Any]) -> None:
    on_the_trail(
        template_json,
        "IamRoleOrPolicyChanged",
        '$.eventSource = "iam.amazonaws.com"',
        "$.readOnly IS FALSE",
        '$.requestParameters.roleName = "OnGptAccounts-*"',
        *(
            f'$.requestParameters.roleName = "{role}"'
            for role in ("Support", "Compliance", "Admin")
        ),
    )


@pytest.mark.clause("P2.5")
def test_writes_to_the_audit_table_by_anything_but_our_functions(
    template_json: dict[str, Any],
) -> None:
    table = logical_id(template_json, AUDIT_TABLE)
    on_the_trail(
        template_json,
        "AuditTableWrittenByOthers",
        '$.eventSource = "dynamodb.amazonaws.com"',
        *(f'$.eventName = "{w}"' for w in ("PutItem", "UpdateItem", "DeleteItem")),
        f'$.requestParameters.tableName = "<{{"Ref": "{table}"}}>"',
        f'$.resources[0].ARN = "<{{"Fn::GetAtt": ["{table}", "Arn"]}}>"',
        "$.userIdentity.sessionContext.sessionIssuer.userName NOT EXISTS",
        '$.userIdentity.sessionContext.sessionIssuer.userName != "OnGptAccounts-*"',
    )


@pytest.mark.clause("P2.5", "P5")
def test_what_could_rewrite_the_audit_history_unseen_raises_alarms(
    template_json: dict[str, Any],
) -> None:
    """A function's code or settings, a grant on the audit key, the audit table's stream or
    policy, the anchor bucket's policy."""
    on_the_trail(
        template_json,
        "FunctionChanged",
        '$.eventSource = "lambda.amazonaws.com"',
        '$.eventName = "UpdateFunctionCode*"',
        '$.eventName = "UpdateFunctionConfiguration*"',
        '$.eventName = "UpdateEventSourceMapping*"',
        '$.requestParameters.functionName = "OnGptAccounts-*"',
        ':function:OnGptAccounts-*"',
    )
    key = logical_id(template_json, "/Keys/AuditKey/Resource")
    on_the_trail(
        template_json,
        "AuditKeyGrantCreated",
        '$.eventName = "CreateGrant"',
        f'$.resources[0].ARN = "<{{"Fn::GetAtt": ["{key}", "Arn"]}}>"',
    )
    table = logical_id(template_json, AUDIT_TABLE)
    on_the_trail(
        template_json,
        "AuditTableChanged",
        '$.eventName = "UpdateTable"',
        '$.eventName = "DeleteResourcePolicy"',
        f'$.requestParameters.tableName = "<{{"Ref": "{table}"}}>"',
        f'$.requestParameters.resourceArn = "<{{"Fn::GetAtt": ["{table}", "Arn"]}}>"',
    )
    bucket = logical_id(template_json, "/Anchors/Bucket/Resource")
    on_the_trail(
        template_json,
        "AnchorBucketPolicyChanged",
        '$.eventName = "PutBucketPolicy"',
        '$.eventName = "DeleteBucketPolicy"',
        f'$.requestParameters.bucketName = "<{{"Ref": "{bucket}"}}>"',
    )


ACCOUNT, REGION = "123456789012", "ap-southeast-1"
AUDIT_NAME = "OnGptAccounts-Data-DataAuditE4D9F575-1A2B3C4D5E6F7G8H9I0J1K2L3M4N5"  # a long one
AUDIT_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{AUDIT_NAME}"
AUDIT_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
DATA_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0987dcba-12ab-34cd-56ef-1234567890ab"
ANCHORS = "ongptaccounts-anchorsbucketa1b2c3d4-1a2b3c4d5e6f"
FUNCTIONS = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:"
WATCHED = Watched("OnGptAccounts", FUNCTIONS, AUDIT_NAME, AUDIT_ARN, AUDIT_KEY, ANCHORS)
CONTRACTS = "OnGptAccounts-Api-ContractsFunction1A2B3C4D-AbCdEfGh1234"


def assumed(role: str, **more: str) -> dict[str, Any]:
    """``userIdentity`` of a role's session."""
    issuer = {"type": "Role", "userName": role, "arn": f"arn:aws:iam::{ACCOUNT}:role/{role}"}
    return {"type": "AssumedRole", "sessionContext": {"sessionIssuer": issuer}, **more}


ADMIN = assumed("Admin")
IAM_USER = {"type": "IAMUser", "userName": "alice", "arn": f"arn:aws:iam::{ACCOUNT}:user/alice"}
DEPLOYMENT = assumed(
    f"cdk-hnb659fds-cfn-exec-role-{ACCOUNT}-{REGION}", invokedBy="cloudformation.amazonaws.com"
)


def event(service: str, name: str, who: dict[str, Any] = ADMIN, **fields: Any) -> dict[str, Any]:
    """A CloudTrail event as the trail writes it to its log group (the fields the filters
    read)."""
    return {
        "eventSource": f"{service}.amazonaws.com",
        "eventName": name,
        "eventType": "AwsApiCall",
        "awsRegion": REGION,
        "userIdentity": who,
        **fields,
    }


def put_item(who: dict[str, Any], table: str = AUDIT_NAME) -> dict[str, Any]:
    arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table}"
    return event(
        "dynamodb",
        "PutItem",
        who,
        requestParameters={"tableName": table, "key": {"pk": "SUBJECT#c-1", "sk": "000000000001"}},
        resources=[{"accountId": ACCOUNT, "type": "AWS::DynamoDB::Table", "ARN": arn}],
    )


def grant(key: str, who: dict[str, Any] = ADMIN, **request: str) -> dict[str, Any]:
    return event(
        "kms",
        "CreateGrant",
        who,
        requestParameters={"keyId": key, "operations": ["GenerateMac"], **request},
        responseElements={"grantId": "f020fe75", "keyId": key},
        resources=[{"accountId": ACCOUNT, "type": "AWS::KMS::Key", "ARN": key}],
    )


# For each alarm of the audit log: events it must count, then events it must not.
WATCHING: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {
    "AuditTableWrittenByOthers": (
        [put_item(IAM_USER), put_item(ADMIN), put_item({"type": "Root"})],
        [
            put_item(assumed("OnGptAccounts-Data-ContractsRole1A2B3C4D-AbCdEfGh1234")),
            put_item(IAM_USER, table="OnGptAccounts-Data-DataCustomers1A2B-XyZ"),
            {**put_item(IAM_USER), "eventName": "GetItem"},
        ],
    ),
    "FunctionChanged": (
        [
            event(
                "lambda",
                "UpdateFunctionCode20150331v2",
                IAM_USER,
                requestParameters={"functionName": CONTRACTS, "zipFile": "HIDDEN"},
            ),
            event(
                "lambda",
                "UpdateFunctionConfiguration20150331v2",
                DEPLOYMENT,
                requestParameters={"functionName": f"{FUNCTIONS}{CONTRACTS}"},
            ),
            event(
                "lambda",
                "UpdateEventSourceMapping20150331",  # the stream alarm's, turned off
                requestParameters={"uUID": "14e0db71", "enabled": False},
                responseElements={"functionArn": f"{FUNCTIONS}{CONTRACTS}", "state": "Disabling"},
            ),
            event(
                "lambda",
                "PutFunctionConcurrency20171031",
                requestParameters={"functionName": CONTRACTS, "reservedConcurrentExecutions": 0},
            ),
        ],
        [
            event("lambda", "GetFunction20150331v2", requestParameters={"functionName": CONTRACTS}),
            event(
                "lambda",
                "UpdateFunctionCode20150331v2",
                requestParameters={"functionName": "billing-api"},
                responseElements={"functionArn": f"{FUNCTIONS}billing-api"},
            ),
        ],
    ),
    "AuditKeyGrantCreated": (
        [grant(AUDIT_KEY, granteePrincipal=f"arn:aws:iam::{ACCOUNT}:role/Mallory")],
        [
            grant(DATA_KEY, assumed("Admin", invokedBy="dynamodb.amazonaws.com")),
            {**grant(AUDIT_KEY), "eventName": "ListGrants"},
        ],
    ),
    "AuditTableChanged": (
        [
            event(
                "dynamodb",
                "UpdateTable",
                requestParameters={
                    "tableName": AUDIT_NAME,
                    "streamSpecification": {"streamEnabled": False},
                },
            ),
            event("dynamodb", "UpdateTable", requestParameters={"tableName": AUDIT_ARN}),
            event("dynamodb", "DeleteResourcePolicy", requestParameters={"resourceArn": AUDIT_ARN}),
        ],
        [
            event(
                "dynamodb",
                "UpdateTable",
                requestParameters={"tableName": "OnGptAccounts-Data-DataCustomers1A2B-XyZ"},
            ),
            event("dynamodb", "DescribeTable", requestParameters={"tableName": AUDIT_NAME}),
        ],
    ),
    "AnchorBucketPolicyChanged": (
        [
            event("s3", "PutBucketPolicy", requestParameters={"bucketName": ANCHORS}),
            event("s3", "DeleteBucketPolicy", requestParameters={"bucketName": ANCHORS}),
            event("s3", "PutObjectLockConfiguration", requestParameters={"bucketName": ANCHORS}),
        ],
        [
            event("s3", "PutBucketPolicy", requestParameters={"bucketName": "ongpt-trail-bucket"}),
            event("s3", "GetBucketPolicy", requestParameters={"bucketName": ANCHORS}),
        ],
    ),
}


@pytest.mark.clause("P2.5", "P5")
@pytest.mark.parametrize("name", sorted(WATCHING))
def test_each_audit_alarm_counts_the_events_it_watches_and_not_their_neighbours(
    name: str,
) -> None:
    (watching,) = [a for a in trail_alarms(WATCHED) if a.name == name]
    counted, not_counted = WATCHING[name]
    assert [matches(watching.pattern, e) for e in counted] == [True] * len(counted)
    assert [matches(watching.pattern, e) for e in not_counted] == [False] * len(not_counted)


def test_every_trail_filter_fits_cloudwatch_logs_limit() -> None:
    for watching in trail_alarms(WATCHED):
        assert len(watching.pattern) <= MAX_PATTERN, watching.name


@pytest.mark.clause("P2.5")
def test_root_use_and_cloudtrail_stopped(template_json: dict[str, Any]) -> None:
    on_the_trail(template_json, "RootAccountUsed", '$.userIdentity.type = "Root"')
    on_the_trail(
        template_json,
        "CloudTrailChanged",
        '$.eventName = "StopLogging"',
        '$.eventName = "DeleteTrail"',
        '$.eventName = "UpdateTrail"',
    )
    silent = alarm(template_json, "CloudTrailSilent")
    assert (silent["Namespace"], silent["MetricName"]) == ("AWS/Logs", "IncomingLogEvents")
    assert (silent["Period"], silent["Threshold"]) == (3600, 1)
    assert silent["ComparisonOperator"] == "LessThanThreshold"
    assert silent["TreatMissingData"] == "breaching"  # no data at all is the worst case


@pytest.mark.clause("P2.5")
def test_a_spike_of_403s_on_the_api(template_json: dict[str, Any]) -> None:
    found = alarm(template_json, "ApiForbiddenSpike")
    assert found["MetricName"] == "ApiForbidden"
    assert (found["Statistic"], found["Period"]) == ("Sum", 300)
    assert found["Threshold"] == API_FORBIDDEN_SPIKE
    text, log_group = pattern(template_json, "ApiForbidden")
    assert text == '{ $.status = "403" }'
    assert log_group == logical_id(template_json, "/Api/AccessLogs/Resource")


@pytest.mark.clause("P2.5")
def test_ses_bounce_and_complaint_rates_before_aws_reviews_the_account(
    template_json: dict[str, Any],
) -> None:
    for name, metric, threshold in (
        ("SesBounceRate", "Reputation.BounceRate", SES_BOUNCE_RATE),
        ("SesComplaintRate", "Reputation.ComplaintRate", SES_COMPLAINT_RATE),
    ):
        found = alarm(template_json, name)
        assert (found["Namespace"], found["MetricName"]) == ("AWS/SES", metric)
        assert (found["Statistic"], found["Threshold"]) == ("Maximum", threshold)
    assert (SES_BOUNCE_RATE, SES_COMPLAINT_RATE) == (0.05, 0.001)  # AWS's review levels


@pytest.mark.clause("P2.5")
def test_a_broken_audit_chain_found_by_the_daily_verification(
    template_json: dict[str, Any],
) -> None:
    found = alarm(template_json, "AuditChainsBroken")
    assert (found["Namespace"], found["MetricName"]) == ("OnGptAccounts", "AuditChainsBroken")
    assert found["Dimensions"] == [{"Name": "service", "Value": "audit_verification"}]
    assert (found["Statistic"], found["Threshold"]) == ("Sum", 1)
    (schedule,) = [
        s
        for s in resources(template_json, "AWS::Scheduler::Schedule").values()
        if s["Name"] == "audit-verification"
    ]
    assert schedule["ScheduleExpression"] == "cron(30 3 * * ? *)"
    assert schedule["ScheduleExpressionTimezone"] == "Asia/Ho_Chi_Minh"


@pytest.mark.clause("P2.5")
def test_the_dashboard_shows_business_figures_beside_the_operational_ones(
    template_json: dict[str, Any],
) -> None:
    (dashboard,) = resources(template_json, "AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["DashboardBody"])
    for figure in (
        "Registrations",
        "CodesSent",
        "EditRequests",
        "Complaints",
        "QueueLength",
        "QueueOldestAgeHours",
        "RemindersDue",
        "RemindersSent",
        "5XXError",
    ):
        assert f'\\"{figure}\\"' in body, figure  # a metric's name, quoted, not a title
    assert "SEARCH('{OnGptAccounts,channel,limit,service} MetricName=" in body  # every limit


@pytest.mark.clause("P2.5")
def test_the_stack_the_staff_cli_reads_outputs_the_api_url(
    stack_templates: dict[str, dict[str, Any]],
) -> None:
    output = stack_templates[STACK_NAME]["Outputs"][API_URL_OUTPUT]
    assert "execute-api" in json.dumps(output["Value"])
