"""Lambda functions: runtime, one role each, JSON logs with retention and KMS, tracing, DLQs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

from infra.catalogue import ALL_FUNCTIONS
from ongpt.platform import settings as env
from tests.support.handlers import cold_start
from tests.support.synthesized import logical_id, resources, role_statements


def _functions(template_json: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return resources(template_json, "AWS::Lambda::Function")


@pytest.mark.clause("P2.2")
def test_there_is_one_function_per_concern(template_json: dict[str, Any]) -> None:
    names = {
        props["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
        for props in _functions(template_json).values()
    }
    assert names == {spec.name for spec in ALL_FUNCTIONS}


def test_each_function_is_given_exactly_the_variables_its_code_checks(
    template_json: dict[str, Any],
) -> None:
    """The names the stack sets are those its handler's cold start requires: none missing (the
    import would fail, naming it), none more."""
    for props in _functions(template_json).values():
        given = props["Environment"]["Variables"]
        module = cold_start(given[env.SERVICE_NAME.name], given)
        api = env.EVERY_API_FUNCTION if hasattr(module, "app") else ()
        required = {variable.name for variable in (*env.EVERY_FUNCTION, *api, *module.ENVIRONMENT)}
        assert set(given) == required, given[env.SERVICE_NAME.name]


def test_every_function_knows_the_sms_country_codes_of_the_context(
    template_json: dict[str, Any],
) -> None:
    """cdk.json: ``"sms_country_codes": ["84"]``; phones are checked and SMS sent against it."""
    for props in _functions(template_json).values():
        assert json.loads(props["Environment"]["Variables"]["SMS_COUNTRY_CODES"]) == ["84"]


@pytest.mark.clause("P2.5")
def test_no_function_traces_what_its_methods_return_or_raise(
    template_json: dict[str, Any],
) -> None:
    """Powertools' Tracer records a traced method's answer and error unless told not to."""
    for props in _functions(template_json).values():
        variables = props["Environment"]["Variables"]
        assert variables["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"
        assert variables["POWERTOOLS_TRACER_CAPTURE_ERROR"] == "false"


def test_functions_run_the_newest_python_on_arm(template_json: dict[str, Any]) -> None:
    for props in _functions(template_json).values():
        assert props["Runtime"] == "python3.14"
        assert props["Architectures"] == ["arm64"]
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert props["LoggingConfig"]["LogFormat"] == "JSON"


@pytest.mark.clause("P2.2")
def test_each_function_has_a_role_of_its_own(template_json: dict[str, Any]) -> None:
    roles = [props["Role"]["Fn::GetAtt"][0] for props in _functions(template_json).values()]
    assert len(set(roles)) == len(roles)


@pytest.mark.clause("P2.5")
def test_log_groups_are_encrypted_and_expire(template_json: dict[str, Any]) -> None:
    groups = resources(template_json, "AWS::Logs::LogGroup")
    assert groups
    for props in groups.values():
        assert "KmsKeyId" in props
        # A year, but for the WAF's (client addresses, 30 days: test_logs_keep_analytics_apart).
        waf = props.get("LogGroupName", "").startswith("aws-waf-logs-")
        assert props["RetentionInDays"] >= (1 if waf else 365)
    for props in _functions(template_json).values():
        assert props["LoggingConfig"]["LogGroup"]["Ref"] in groups


@pytest.mark.clause("P2.5")
def test_every_scheduled_job_has_retries_and_a_dead_letter_queue(
    template_json: dict[str, Any],
) -> None:
    schedules = resources(template_json, "AWS::Scheduler::Schedule").values()
    assert {schedule["Name"] for schedule in schedules} == {
        *JOBS,
        *(f"{job}-continuation" for job in JOBS),
    }
    for schedule in schedules:
        assert "Arn" in schedule["Target"]["DeadLetterConfig"]
        assert schedule["Target"]["RetryPolicy"]["MaximumRetryAttempts"] > 0
    for job in (
        "/ExpiryReminders/Function/Resource",
        "/AuditAnchors/Function/Resource",
        "/Erasure/Function/Resource",
    ):
        assert (
            "TargetArn"
            in _functions(template_json)[logical_id(template_json, job)]["DeadLetterConfig"]
        )


JOBS = ("expiry-reminders", "audit-anchors", "erasure", "audit-verification")


def test_each_job_is_continued_every_15_minutes(template_json: dict[str, Any]) -> None:
    """A run of a job's own schedule starts its pass; one of its continuation goes on with the
    passes an invocation's bound left, and starts none."""
    schedules = {
        s["Name"]: s for s in resources(template_json, "AWS::Scheduler::Schedule").values()
    }
    for job in JOBS:
        own, continuation = schedules[job], schedules[f"{job}-continuation"]
        assert continuation["ScheduleExpression"] == "rate(15 minutes)"
        assert continuation["Target"]["Arn"] == own["Target"]["Arn"]
        assert json.loads(own["Target"]["Input"]) == {
            "scheduled_time": "<aws.scheduler.scheduled-time>"
        }
        assert json.loads(continuation["Target"]["Input"]) == {
            "scheduled_time": "<aws.scheduler.scheduled-time>",
            "continue": True,
        }


@pytest.mark.clause("P3.3")
def test_the_fanout_worker_reports_partial_batch_failures(template: Template) -> None:
    template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping", {"FunctionResponseTypes": ["ReportBatchItemFailures"]}
    )


@pytest.mark.clause("P2.5")
def test_queues_are_encrypted_with_a_cmk_and_have_dead_letters(
    template_json: dict[str, Any],
) -> None:
    queues = resources(template_json, "AWS::SQS::Queue")
    for props in queues.values():
        assert "KmsMasterKeyId" in props
    announcements = queues[logical_id(template_json, "/Messaging/Announcements/Resource")]
    assert announcements["RedrivePolicy"]["maxReceiveCount"] == 5


@pytest.mark.clause("P1.3", "P2.2")
def test_analytics_function_touches_no_personal_data(template_json: dict[str, Any]) -> None:
    role = logical_id(template_json, "/Analytics/Role/Resource")
    text = json.dumps(role_statements(template_json, role))
    for other in (
        "/Data/Customers/Resource",
        "/Data/Registrations/Resource",
        "/Data/Audit/Resource",
    ):
        assert logical_id(template_json, other) not in text
    assert "kms:EncryptionContextKeys" not in text  # no field-level (personal) data
    assert logical_id(template_json, "/Keys/BlindIndexKey/Resource") not in text
    env = _functions(template_json)[logical_id(template_json, "/Analytics/Function/Resource")]
    assert "CUSTOMERS_TABLE" not in env["Environment"]["Variables"]


@pytest.mark.clause("P5", "P2.2")
def test_no_function_may_change_or_delete_audit_entries(template_json: dict[str, Any]) -> None:
    audit = logical_id(template_json, "/Data/Audit/Resource")
    forbidden = {"dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
    writers = 0
    for props in resources(template_json, "AWS::IAM::Policy").values():
        for statement in props["PolicyDocument"]["Statement"]:
            if audit in json.dumps(statement.get("Resource")):
                actions = (
                    set(statement["Action"])
                    if isinstance(statement["Action"], list)
                    else {statement["Action"]}
                )
                assert not actions & forbidden
                writers += "dynamodb:PutItem" in actions
    assert writers > 0
