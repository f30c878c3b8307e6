"""Every message to a customer goes through here: one template per kind and language (vi by
default, en; the texts are ``templates.toml``), sent by SES (email, TLS required by the
configuration set) or SNS (SMS, only to the allowed country codes).

A send is made at most once: neither SES's ``SendEmail`` nor SNS's ``Publish`` takes an
idempotency token, so their clients send again only what the service refused
(``ongpt.platform.aws``). A send whose answer was lost after it reached the service (a timeout, a
5xx) may have gone out: it counts as sent (its claim, its history line and its mark stay, so no
retry sends it again), and it is counted (``SendsUnconfirmed``, alarmed: ``docs/runbooks.md``)."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from ongpt.notify.send_limits import limited
from ongpt.notify.store import NoticeStore
from ongpt.platform.aws import answer_lost
from ongpt.platform.business_metrics import count
from ongpt.platform.clock import timestamp, utcnow
from ongpt.platform.telemetry import logger
from ongpt.security import normalize

if TYPE_CHECKING:
    from mypy_boto3_sesv2.client import SESV2Client
    from mypy_boto3_sns.client import SNSClient

DEFAULT_LANGUAGE = "vi"


class Kind(StrEnum):
    REGISTRATION_CODE = "registration_code"
    ACCOUNT_EXISTS = "account_exists"
    CHANGE_CODE = "change_code"
    PROFILE_CHANGED = "profile_changed"
    CONTRACT_CONFIRMATION = "contract_confirmation"
    RENEWAL_INVITATION = "renewal_invitation"
    COMPLAINT_RECEIVED = "complaint_received"
    COMPLAINT_OUTCOME = "complaint_outcome"
    PRODUCT_UPDATE = "product_update"
    SERVICE_CHANGE = "service_change"
    RECOVERY_CODE = "recovery_code"
    ACCOUNT_RECOVERED = "account_recovered"
    ACCOUNT_CLOSING = "account_closing"
    ACCOUNT_REACTIVATED = "account_reactivated"


@dataclass(frozen=True)
class Template:
    subject: str
    email: str
    sms: str


TEMPLATES_FILE = Path(__file__).with_name("templates.toml")

# Vietnam keeps UTC+7 all year (no daylight saving time): the day a customer lives a time in.
VIETNAM = timezone(timedelta(hours=7), "ICT")
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def said_on(value: str, language: str | None) -> str:
    """A time (RFC 3339) as its day in Vietnam, a date (YYYY-MM-DD) as itself, the way the privacy
    centre says it (web/src/format.js): 01/12/2027 in Vietnamese, 1 December 2027 in English."""
    day = (
        date.fromisoformat(value)
        if len(value) == len("2027-12-01")
        else datetime.fromisoformat(value).astimezone(VIETNAM).date()
    )
    if language == "en":
        return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def filled(text: str, language: str | None, values: dict[str, str]) -> str:
    """A template's text with its values; a value named ``*_on`` is a time, said as its day."""
    return text.format(
        **{k: said_on(v, language) if k.endswith("_on") else v for k, v in values.items()}
    )


@cache
def _templates() -> dict[tuple[Kind, str], Template]:
    """The texts of ``templates.toml``, read on first use: one table per kind and language."""
    tables = tomllib.loads(TEMPLATES_FILE.read_text(encoding="utf-8"))
    return {
        (Kind(kind), language): Template(**texts)
        for kind, languages in tables.items()
        for language, texts in languages.items()
    }


def template(kind: Kind, language: str | None) -> Template:
    """The template of ``kind`` in ``language``, or in Vietnamese if there is none in it."""
    templates = _templates()
    return (
        templates.get((kind, language or DEFAULT_LANGUAGE)) or templates[(kind, DEFAULT_LANGUAGE)]
    )


class Notifier:
    """Sends, and records in the customer's history what was sent to them (never the text)."""

    def __init__(
        self,
        ses: SESV2Client,
        sns: SNSClient,
        sender: str,
        configuration_set: str,
        notice_store: NoticeStore,
        sms_country_codes: tuple[str, ...],
    ) -> None:
        self._ses, self._sns = ses, sns
        self._sender, self._configuration_set = sender, configuration_set
        self._notice_store = notice_store
        self._sms_country_codes = sms_country_codes

    @contextmanager
    def _recorded(self, customer_id: str | None, kind: Kind, channel: str) -> Iterator[None]:
        """The history line is written before the send and taken back if the send fails: the
        history never misses a message that went out, nor keeps one that did not."""
        if customer_id is None:
            yield
            return
        entry = self._notice_store.record(customer_id, kind.value, channel, timestamp(utcnow()))
        try:
            yield
        except BaseException:
            self._notice_store.forget(customer_id, entry)
            raise

    @staticmethod
    @contextmanager
    def _at_most_once(kind: Kind, channel: str) -> Iterator[None]:
        """A send whose answer was lost counts as sent (it may have gone out, and a second one
        could not be told from it), counted and logged (kind and channel only); other failures
        are raised."""
        try:
            yield
        except Exception as error:
            if not answer_lost(error):
                raise
            count("SendsUnconfirmed", channel=channel)
            logger.warning("send unconfirmed", extra={"kind": kind.value, "channel": channel})

    def email(
        self,
        to: str,
        kind: Kind,
        language: str | None,
        *,
        customer_id: str | None = None,
        **values: str,
    ) -> None:
        chosen = template(kind, language)
        with self._recorded(customer_id, kind, "email"), self._at_most_once(kind, "email"):
            self._ses.send_email(
                FromEmailAddress=self._sender,
                Destination={"ToAddresses": [normalize.email_ascii(to)]},  # SES: ASCII only
                Content={
                    "Simple": {
                        "Subject": {
                            "Data": filled(chosen.subject, language, values),
                            "Charset": "UTF-8",
                        },
                        "Body": {
                            "Text": {
                                "Data": filled(chosen.email, language, values),
                                "Charset": "UTF-8",
                            }
                        },
                    }
                },
                ConfigurationSetName=self._configuration_set,
            )

    def sms(
        self,
        to: str,
        kind: Kind,
        language: str | None,
        *,
        customer_id: str | None = None,
        **values: str,
    ) -> bool:
        """Nothing goes to a number outside the allowed country codes (inputs are checked too;
        this holds also for numbers kept from before a change of the list): False then."""
        if not normalize.in_countries(to, self._sms_country_codes):
            limited("country", "sms")
            return False
        with self._recorded(customer_id, kind, "sms"), self._at_most_once(kind, "sms"):
            self._sns.publish(
                PhoneNumber=to,
                Message=filled(template(kind, language).sms, language, values),
                MessageAttributes={
                    "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}
                },
            )
        return True

    def send(
        self, channel: str, to: str, kind: Kind, language: str | None, values: dict[str, str]
    ) -> bool:
        """A notice from the outbox, on its channel; whether it went (the delivery worker
        records it in the history with its mark)."""
        if channel == "sms":
            return self.sms(to, kind, language, **values)
        self.email(to, kind, language, **values)
        return True
