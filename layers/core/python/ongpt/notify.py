"""Every message to a customer goes through here: one template per kind and language (vi by
default, en), sent by SES (email, TLS required by the configuration set) or SNS (SMS)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

DEFAULT_LANGUAGE = "vi"


class Kind(StrEnum):
    REGISTRATION_CODE = "registration_code"
    ACCOUNT_EXISTS = "account_exists"


@dataclass(frozen=True)
class Template:
    subject: str
    email: str
    sms: str


TEMPLATES: dict[tuple[Kind, str], Template] = {
    (Kind.REGISTRATION_CODE, "vi"): Template(
        subject="Mã xác minh OnGPT của bạn",
        email=(
            "Mã xác minh của bạn là {code}. Mã có hiệu lực trong 10 phút.\n\n"
            "Nếu bạn không đăng ký tài khoản OnGPT, hãy bỏ qua thư này."
        ),
        sms="OnGPT: ma xac minh cua ban la {code}, hieu luc 10 phut. Khong chia se ma nay.",
    ),
    (Kind.REGISTRATION_CODE, "en"): Template(
        subject="Your OnGPT verification code",
        email=(
            "Your verification code is {code}. It is valid for 10 minutes.\n\n"
            "If you did not sign up for OnGPT, you can ignore this message."
        ),
        sms="OnGPT: your verification code is {code}, valid for 10 minutes. Do not share it.",
    ),
    (Kind.ACCOUNT_EXISTS, "vi"): Template(
        subject="Có người đăng ký OnGPT bằng địa chỉ của bạn",
        email=(
            "Ai đó vừa đăng ký OnGPT bằng địa chỉ này, nhưng địa chỉ đã thuộc về một tài khoản.\n\n"
            "Nếu đó là bạn, hãy đăng nhập. Nếu không, bạn không cần làm gì."
        ),
        sms="OnGPT: co nguoi vua dang ky bang so nay, nhung so da thuoc ve mot tai khoan.",
    ),
    (Kind.ACCOUNT_EXISTS, "en"): Template(
        subject="Someone signed up for OnGPT with your address",
        email=(
            "Someone just signed up for OnGPT with this address, which already belongs to an "
            "account.\n\nIf it was you, sign in instead. If not, there is nothing to do."
        ),
        sms="OnGPT: someone tried to sign up with this number, which already has an account.",
    ),
}


def template(kind: Kind, language: str | None) -> Template:
    return (
        TEMPLATES.get((kind, language or DEFAULT_LANGUAGE)) or TEMPLATES[(kind, DEFAULT_LANGUAGE)]
    )


class Notifier:
    def __init__(self, ses: Any, sns: Any, sender: str, configuration_set: str) -> None:
        self._ses, self._sns = ses, sns
        self._sender, self._configuration_set = sender, configuration_set

    def email(self, to: str, kind: Kind, language: str | None, **values: str) -> None:
        chosen = template(kind, language)
        self._ses.send_email(
            FromEmailAddress=self._sender,
            Destination={"ToAddresses": [to]},
            Content={
                "Simple": {
                    "Subject": {"Data": chosen.subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": chosen.email.format(**values), "Charset": "UTF-8"}},
                }
            },
            ConfigurationSetName=self._configuration_set,
        )

    def sms(self, to: str, kind: Kind, language: str | None, **values: str) -> None:
        self._sns.publish(
            PhoneNumber=to,
            Message=template(kind, language).sms.format(**values),
            MessageAttributes={
                "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}
            },
        )
