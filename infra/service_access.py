"""What AWS services and Lambda do with a function's role, beyond the calls of its own code.

Grants follow these (``infra/functions.py``), and the least-privilege test counts them as used
(``tests/support/least_privilege.py``).
"""

from __future__ import annotations

DYNAMODB_WRITES = frozenset(
    {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
)
# DynamoDB opens a table's customer-managed key with the caller's rights (kms:ViaService): to read
# it decrypts the table key, to write it also encrypts under it.
DYNAMODB_KEY_READ = ("kms:Decrypt", "kms:DescribeKey")
DYNAMODB_KEY_WRITE = (*DYNAMODB_KEY_READ, "kms:Encrypt", "kms:GenerateDataKey")
# SQS with SSE-KMS: a producer needs GenerateDataKey and Decrypt, a consumer Decrypt.
SQS_PRODUCER_KEY = ("kms:GenerateDataKey", "kms:Decrypt")
SQS_CONSUMER_KEY = ("kms:Decrypt",)
# What Lambda's SQS poller calls with the function's role (Lambda developer guide, SQS).
SQS_EVENT_SOURCE = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")
# What Lambda's DynamoDB Streams poller calls with the function's role (DynamoDB developer guide,
# "IAM policy to allow a Lambda function to access DynamoDB stream records").
STREAM_EVENT_SOURCE = (
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
)
