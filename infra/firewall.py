"""The WAF web ACLs: in front of the API, AWS managed rule groups, a body limit, a rate limit, and
tighter ones on the routes that send codes by email and SMS and on filing complaints; on the user
pool, a block of the public operations that would go around the service
(``infra/user_pool_api.py``)."""

from __future__ import annotations

from typing import Any

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra.retained import encrypted_log_group
from infra.user_pool_api import BLOCKED, TARGET_PREFIX

MANAGED_RULE_GROUPS = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesAmazonIpReputationList",
)
MAX_BODY_BYTES = 16 * 1024  # API.md: request bodies are at most 16 KiB
# WAF logs carry full client addresses, which the analytics table deliberately truncates (P1.3):
# only requests a rule blocked or counted are logged, under their own key, for 30 days.
LOG_RETENTION = logs.RetentionDays.ONE_MONTH
LOGGED_ACTIONS = ("BLOCK", "COUNT")
REQUESTS_PER_5_MINUTES_PER_IP = 1000
# POSTs to the routes that send codes (sign-up, recovery, their resends, edit requests; their
# verifications too). The stage may precede the path (``/prod/v1/...``), so the path is matched
# as contained.
SENDING_PATHS = ("/v1/registrations", "/v1/recoveries", "/v1/me/edit-requests")
SENDING_REQUESTS_PER_5_MINUTES_PER_IP = 30
# POSTs that file complaints into the staff queue: the per-caller limit (5 a day) is the
# service's; a guest can get a new identity at will, so an IP is held to 10 per 10 minutes, WAF's
# lowest limit and longest window (https://docs.aws.amazon.com/waf/latest/developerguide/
# waf-rule-statement-type-rate-based-high-level-settings.html), room enough for the people
# behind one shared address.
COMPLAINT_PATHS = ("/v1/complaints",)
COMPLAINTS_PER_10_MINUTES_PER_IP = 10


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )


def _managed(priority: int, name: str) -> wafv2.CfnWebACL.RuleProperty:
    # The common rule set blocks bodies over 8 KB; our own rule allows up to 16 KiB.
    overrides: list[Any] = (
        [
            wafv2.CfnWebACL.RuleActionOverrideProperty(
                name="SizeRestrictions_BODY",
                action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={}),
            )
        ]
        if name == "AWSManagedRulesCommonRuleSet"
        else []
    )
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name="AWS", name=name, rule_action_overrides=overrides or None
            )
        ),
        visibility_config=_visibility(name),
    )


def _blocking(
    priority: int, name: str, statement: wafv2.CfnWebACL.StatementProperty
) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        action=wafv2.CfnWebACL.RuleActionProperty(block={}),
        statement=statement,
        visibility_config=_visibility(name),
    )


def _matches(field: wafv2.CfnWebACL.FieldToMatchProperty, constraint: str, text: str) -> Any:
    return wafv2.CfnWebACL.StatementProperty(
        byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
            field_to_match=field,
            positional_constraint=constraint,
            search_string=text,
            text_transformations=[
                wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="LOWERCASE")
            ],
        )
    )


def _posts_to(paths: tuple[str, ...]) -> wafv2.CfnWebACL.StatementProperty:
    """POST requests to a path that contains one of ``paths`` (an OR statement needs two or
    more: docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-or.html)."""
    path = wafv2.CfnWebACL.FieldToMatchProperty(uri_path={})
    method = wafv2.CfnWebACL.FieldToMatchProperty(method={})
    matches = [_matches(path, "CONTAINS", p) for p in paths]
    return wafv2.CfnWebACL.StatementProperty(
        and_statement=wafv2.CfnWebACL.AndStatementProperty(
            statements=[
                _matches(method, "EXACTLY", "post"),
                matches[0]
                if len(matches) == 1
                else wafv2.CfnWebACL.StatementProperty(
                    or_statement=wafv2.CfnWebACL.OrStatementProperty(statements=matches)
                ),
            ]
        )
    )


class Firewall(Construct):
    """A regional web ACL associated with the API stage, logging only what it blocked or counted,
    personal fields redacted."""

    def __init__(
        self, scope: Construct, construct_id: str, *, stage_arn: str, log_key: kms.IKey
    ) -> None:
        super().__init__(scope, construct_id)
        rules = [_managed(i, name) for i, name in enumerate(MANAGED_RULE_GROUPS)]
        body_too_large = wafv2.CfnWebACL.SizeConstraintStatementProperty(
            field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(
                body=wafv2.CfnWebACL.BodyProperty(oversize_handling="MATCH")
            ),
            comparison_operator="GT",
            size=MAX_BODY_BYTES,
            text_transformations=[
                wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")
            ],
        )
        too_many = wafv2.CfnWebACL.RateBasedStatementProperty(
            aggregate_key_type="IP", limit=REQUESTS_PER_5_MINUTES_PER_IP
        )
        rules.append(
            _blocking(
                len(rules),
                "BodyOver16KiB",
                wafv2.CfnWebACL.StatementProperty(size_constraint_statement=body_too_large),
            )
        )
        rules.append(
            _blocking(
                len(rules),
                "RatePerIp",
                wafv2.CfnWebACL.StatementProperty(rate_based_statement=too_many),
            )
        )
        too_many_sends = wafv2.CfnWebACL.RateBasedStatementProperty(
            aggregate_key_type="IP",
            limit=SENDING_REQUESTS_PER_5_MINUTES_PER_IP,
            scope_down_statement=_posts_to(SENDING_PATHS),
        )
        rules.append(
            _blocking(
                len(rules),
                "SendingRatePerIp",
                wafv2.CfnWebACL.StatementProperty(rate_based_statement=too_many_sends),
            )
        )
        too_many_complaints = wafv2.CfnWebACL.RateBasedStatementProperty(
            aggregate_key_type="IP",
            limit=COMPLAINTS_PER_10_MINUTES_PER_IP,
            evaluation_window_sec=600,
            scope_down_statement=_posts_to(COMPLAINT_PATHS),
        )
        rules.append(
            _blocking(
                len(rules),
                "ComplaintRatePerIp",
                wafv2.CfnWebACL.StatementProperty(rate_based_statement=too_many_complaints),
            )
        )
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            rules=rules,
            visibility_config=_visibility("OnGptAccountsApi"),
        )
        wafv2.CfnWebACLAssociation(
            self, "Association", resource_arn=stage_arn, web_acl_arn=self.web_acl.attr_arn
        )
        _log_blocked_requests(self, self.web_acl, log_key, "aws-waf-logs-ongpt-accounts")


def _log_blocked_requests(
    scope: Construct, web_acl: wafv2.CfnWebACL, log_key: kms.IKey, log_group_name: str
) -> None:
    """Only what the web ACL blocked or counted is logged, to a log group of its own under the
    firewall logs' key; query strings and signatures redacted."""
    log_group = encrypted_log_group(
        scope, "Logs", log_key, LOG_RETENTION, log_group_name=log_group_name
    )
    wafv2.CfnLoggingConfiguration(
        scope,
        "Logging",
        resource_arn=web_acl.attr_arn,
        log_destination_configs=[
            Stack.of(scope).format_arn(
                service="logs",
                resource="log-group",
                resource_name=log_group.log_group_name,
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            )
        ],
        logging_filter={
            "DefaultBehavior": "DROP",
            "Filters": [
                {
                    "Behavior": "KEEP",
                    "Requirement": "MEETS_ANY",
                    "Conditions": [
                        {"ActionCondition": {"Action": action}} for action in LOGGED_ACTIONS
                    ],
                }
            ],
        },
        # Query strings may carry personal values; signatures are secrets.
        redacted_fields=[
            wafv2.CfnLoggingConfiguration.FieldToMatchProperty(query_string={}),
            wafv2.CfnLoggingConfiguration.FieldToMatchProperty(
                single_header={"Name": "authorization"}
            ),
            wafv2.CfnLoggingConfiguration.FieldToMatchProperty(
                single_header={"Name": "x-amz-security-token"}
            ),
        ],
    )


class UserPoolFirewall(Construct):
    """A regional web ACL associated with the user pool, blocking by ``X-Amz-Target`` the public
    operations that would go around the service (``infra/user_pool_api.py``), logged as the
    API's; it inspects Cognito's public operations only, never the service's own ``Admin*``
    calls ("Associate an AWS WAF web ACL with a user pool",
    https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-waf.html)."""

    def __init__(
        self, scope: Construct, construct_id: str, *, user_pool_arn: str, log_key: kms.IKey
    ) -> None:
        super().__init__(scope, construct_id)
        target = wafv2.CfnWebACL.FieldToMatchProperty(single_header={"Name": "x-amz-target"})
        around_the_service = wafv2.CfnWebACL.StatementProperty(
            or_statement=wafv2.CfnWebACL.OrStatementProperty(
                statements=[
                    _matches(target, "EXACTLY", f"{TARGET_PREFIX}{name}".lower())
                    for name in BLOCKED
                ]
            )
        )
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            rules=[_blocking(0, "AroundTheService", around_the_service)],
            visibility_config=_visibility("OnGptAccountsUserPool"),
        )
        wafv2.CfnWebACLAssociation(
            self, "Association", resource_arn=user_pool_arn, web_acl_arn=self.web_acl.attr_arn
        )
        _log_blocked_requests(self, self.web_acl, log_key, "aws-waf-logs-ongpt-accounts-user-pool")
