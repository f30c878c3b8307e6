"""SQS event sources: each mapping of the template is polled, and its function invoked with the
batch event Lambda builds. Partial-batch failures are honoured: only the reported messages stay
on the queue, to come back after the visibility timeout and reach the DLQ after maxReceiveCount."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from typing import Any

from local.lambdas import Invocable, described
from local.outbox import Outbox
from local.template import Resolver, Template

log = logging.getLogger("local.workers")


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": m.get("MessageAttributes", {}),
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for m in messages
        ]
    }


class QueuePoller(threading.Thread):
    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        queue_arn: str,
        function: Invocable,
        batch_size: int,
        report_failures: bool,
        outbox: Outbox,
        region: str,
        wait_seconds: int = 1,
    ) -> None:
        super().__init__(daemon=True, name=f"poll-{function.logical_id}")
        self.sqs, self.queue_url, self.queue_arn = sqs, queue_url, queue_arn
        self.function, self.batch_size, self.report_failures = function, batch_size, report_failures
        self.outbox, self.region, self.wait_seconds = outbox, region, wait_seconds
        self.stopping = threading.Event()
        self.invocations = 0

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                self.poll_once()
            except Exception:
                log.exception("polling %s failed", self.queue_arn)
                self.stopping.wait(1)

    def poll_once(self) -> int:
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=self.wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        failed: set[str] = {m["MessageId"] for m in messages}
        self.invocations += 1
        try:
            result = self.function.invoke(sqs_event(messages, self.queue_arn, self.region))
            if self.report_failures and isinstance(result, dict):
                failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
            else:
                failed = set()
        except Exception as exc:  # the whole batch returns to the queue, as with Lambda
            error_type, _ = described(exc)
            log.error("function %s failed on a batch: %s", self.function.logical_id, error_type)
        finally:
            self.outbox.observe()
        done = [m for m in messages if m["MessageId"] not in failed]
        for message in done:
            self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return len(done)

    def settle(self, deadline: float) -> bool:
        """Wait until the queue holds no message, visible or in flight (False if ``deadline``,
        a ``time.monotonic()``, comes first)."""
        while True:
            counts = self.sqs.get_queue_attributes(
                QueueUrl=self.queue_url,
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                ],
            )["Attributes"]
            if not any(int(n) for n in counts.values()):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)


def queue_pollers(
    template: Template,
    resolver: Resolver,
    functions: Mapping[str, Invocable],
    sqs: Any,
    outbox: Outbox,
    wait_seconds: int = 1,
) -> list[QueuePoller]:
    pollers = []
    for _, props in template.of_type("AWS::Lambda::EventSourceMapping"):
        queue_id = props["EventSourceArn"]["Fn::GetAtt"][0]
        if template.resources[queue_id]["Type"] != "AWS::SQS::Queue":
            continue  # a table's stream: local/streams.py
        pollers.append(
            QueuePoller(
                sqs,
                queue_url=resolver.refs[queue_id],
                queue_arn=resolver.attributes[(queue_id, "Arn")],
                function=functions[props["FunctionName"]["Ref"]],
                batch_size=props.get("BatchSize", 10),
                report_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
                outbox=outbox,
                region=template.region(),
                wait_seconds=wait_seconds,
            )
        )
    return pollers
