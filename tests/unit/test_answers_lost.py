"""Calls served whose answer was lost (issue 26, item 4): the SDK sends a write again after a
timeout or a 5xx, and a sender's client does not. A conditional update is applied once, a user
made by a registration is that registration's when its creation is sent again, and a send whose
answer was lost counts as sent, once. DynamoDB and Cognito are moto in-process, with the local
runtime's Cognito rules (``local/cognito_rules.py``); the lost answer is ``tests/support/faults``'s.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, cast

import boto3
import pytest
from botocore.exceptions import ClientError, ReadTimeoutError
from moto import mock_aws

from local import cognito_rules
from ongpt.customers.accounts import MADE_BY, Accounts
from ongpt.notify.delivery import Kind, Notifier
from ongpt.notify.store import NoticeStore
from ongpt.platform.errors import AlreadyRegistered
from ongpt.storage.dynamo import APPLIED, from_item, to_item, update_once
from tests.support.fake_aws import use_fake_aws
from tests.support.faults import ANSWER_LOST, CallLog, Fault
from tests.support.metrics import emitted

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp.client import CognitoIdentityProviderClient
    from mypy_boto3_cognito_idp.type_defs import SchemaAttributeTypeTypeDef
    from mypy_boto3_dynamodb.client import DynamoDBClient

TABLE = "Registrations"
ITEM = to_item({"pk": "REGISTRATION#r-1"})


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    use_fake_aws(monkeypatch)
    cognito_rules.install()
    with mock_aws():
        yield


def lost(monkeypatch: pytest.MonkeyPatch, operation: str) -> AbstractContextManager[CallLog]:
    """The first call of ``operation`` served, its answer lost, and sent again by the SDK."""
    return CallLog(fail=Fault(0, operation, ANSWER_LOST)).installed(monkeypatch)


@pytest.fixture
def dynamodb(aws: None) -> DynamoDBClient:
    client = boto3.client("dynamodb")
    client.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.put_item(TableName=TABLE, Item={**ITEM, **to_item({"attempts": 0})})
    return client


def guess(dynamodb: DynamoDBClient) -> Any:
    """One more attempt, while fewer than 2 are counted."""
    return update_once(
        dynamodb,
        TableName=TABLE,
        Key=ITEM,
        UpdateExpression="SET attempts = attempts + :one",
        ConditionExpression="attempts < :limit",
        ExpressionAttributeValues=to_item({":one": 1, ":limit": 2}),
    )


def attempts(dynamodb: DynamoDBClient) -> int:
    return int(from_item(dynamodb.get_item(TableName=TABLE, Key=ITEM)["Item"])["attempts"])


def test_an_update_whose_answer_was_lost_is_applied_once(
    dynamodb: DynamoDBClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    with lost(monkeypatch, "dynamodb.UpdateItem") as log:
        counted = guess(dynamodb)
    assert log.failed
    assert counted.applied
    assert counted.item is not None
    assert counted.item["attempts"] == 1
    assert attempts(dynamodb) == 1
    assert guess(dynamodb).applied  # the next update is its own
    refused = guess(dynamodb)  # and one its condition refuses is refused, as found
    assert not refused.applied
    assert refused.item is not None
    assert refused.item["attempts"] == 2
    assert refused.item[APPLIED] != counted.item[APPLIED]
    assert attempts(dynamodb) == 2


@pytest.fixture
def pool(aws: None) -> tuple[CognitoIdentityProviderClient, str]:
    """A user pool as ``infra/identity.py`` declares it, as far as creating users goes."""
    idp = boto3.client("cognito-idp")
    declared: SchemaAttributeTypeTypeDef = {
        "Name": MADE_BY.removeprefix("custom:"),
        "AttributeDataType": "String",
        "Mutable": False,
        "StringAttributeConstraints": {"MinLength": "36", "MaxLength": "36"},
    }
    made = idp.create_user_pool(
        PoolName="customers", UsernameAttributes=["email", "phone_number"], Schema=[declared]
    )
    return idp, made["UserPool"]["Id"]


PASSWORD = "correct-Horse-battery-7"


def test_a_user_whose_creation_is_sent_again_is_the_registrations_that_made_it(
    pool: tuple[CognitoIdentityProviderClient, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts, registration = Accounts(*pool), str(uuid.uuid4())
    with lost(monkeypatch, "cognito-idp.AdminCreateUser") as log:
        sub = accounts.create("an@example.com", "+84967915569", PASSWORD, registration)
    assert log.failed  # the SDK's retry found the user its first call made
    found = accounts.find("an@example.com")
    assert found is not None
    assert (found["sub"], found[MADE_BY]) == (sub, registration)
    with pytest.raises(AlreadyRegistered):  # another registration's is an address taken
        accounts.create("an@example.com", "+84967915569", PASSWORD, str(uuid.uuid4()))


def test_the_pool_refuses_a_custom_attribute_its_schema_lacks(aws: None) -> None:
    """As Cognito does; moto alone keeps it."""
    idp = boto3.client("cognito-idp")
    bare = idp.create_user_pool(PoolName="bare", UsernameAttributes=["email"])["UserPool"]["Id"]
    with pytest.raises(ClientError) as refused:
        Accounts(idp, bare).create("an@example.com", "+84967915569", PASSWORD, str(uuid.uuid4()))
    assert refused.value.response["Error"]["Code"] == "InvalidParameterException"


class Ses:
    """SES answering each send with ``error``, after taking it."""

    def __init__(self, error: Exception) -> None:
        self.error, self.sends = error, 0

    def send_email(self, **_: Any) -> None:
        self.sends += 1
        raise self.error


class History:
    """The customer's history of notices: the lines written, less those taken back."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def record(self, _customer_id: str, kind: str, _channel: str, _at: str) -> str:
        self.lines.append(kind)
        return kind

    def forget(self, _customer_id: str, entry: str) -> None:
        self.lines.remove(entry)


def notifier(ses: Ses, history: History) -> Notifier:
    return Notifier(
        cast("Any", ses),
        cast("Any", None),
        "noreply@example.com",
        "set",
        cast("NoticeStore", history),
        ("84",),
    )


def test_a_send_whose_answer_was_lost_counts_as_sent_once_and_is_counted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    ses, history = Ses(ReadTimeoutError(endpoint_url="https://email")), History()
    notifier(ses, history).email("an@example.com", Kind.ACCOUNT_EXISTS, "vi", customer_id="c-1")
    assert ses.sends == 1
    assert history.lines == ["account_exists"]  # it may have gone: its history line stays
    assert emitted(capsys.readouterr().out, "SendsUnconfirmed") == [1]


def test_a_refused_send_is_raised_and_leaves_no_history() -> None:
    refusal = ClientError({"Error": {"Code": "MessageRejected"}}, "SendEmail")
    ses, history = Ses(refusal), History()
    with pytest.raises(ClientError):
        notifier(ses, history).email("an@example.com", Kind.ACCOUNT_EXISTS, "vi", customer_id="c-1")
    assert history.lines == []
