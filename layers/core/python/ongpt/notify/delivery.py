"""Every message to a customer goes through here: one template per kind and language (vi by
default, en), sent by SES (email, TLS required by the configuration set) or SNS (SMS, only to
the allowed country codes)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from ongpt.notify.send_limits import limited
from ongpt.notify.store import NoticeStore
from ongpt.platform.clock import timestamp, utcnow
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
    COMPLAINT_OUTCOME = "complaint_outcome"
    PRODUCT_UPDATE = "product_update"
    SERVICE_CHANGE = "service_change"
    RECOVERY_CODE = "recovery_code"
    ACCOUNT_RECOVERED = "account_recovered"
    ACCOUNT_CLOSING = "account_closing"


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
    (Kind.CHANGE_CODE, "vi"): Template(
        subject="Xác minh địa chỉ mới cho tài khoản OnGPT",
        email="Mã xác minh địa chỉ mới của bạn là {code}. Mã có hiệu lực trong 10 phút.",
        sms="OnGPT: ma xac minh so dien thoai moi cua ban la {code}, hieu luc 10 phut.",
    ),
    (Kind.CHANGE_CODE, "en"): Template(
        subject="Confirm the new address of your OnGPT account",
        email="The code to confirm your new address is {code}. It is valid for 10 minutes.",
        sms="OnGPT: the code to confirm your new number is {code}, valid for 10 minutes.",
    ),
    (Kind.PROFILE_CHANGED, "vi"): Template(
        subject="Thông tin liên hệ OnGPT của bạn đã được thay đổi",
        email=(
            "Yêu cầu thay đổi thông tin liên hệ của bạn đã được duyệt và áp dụng.\n\n"
            "Nếu bạn không yêu cầu thay đổi này, hãy liên hệ bộ phận hỗ trợ của OnGPT ngay."
        ),
        sms=(
            "OnGPT: thong tin lien he cua ban da duoc thay doi. "
            "Neu khong phai ban, hay lien he ho tro."
        ),
    ),
    (Kind.PROFILE_CHANGED, "en"): Template(
        subject="Your OnGPT contact details were changed",
        email=(
            "Your request to change your contact details was approved and applied.\n\n"
            "If you did not ask for this, contact OnGPT support at once."
        ),
        sms="OnGPT: your contact details were changed. If this was not you, contact support.",
    ),
    (Kind.CONTRACT_CONFIRMATION, "vi"): Template(
        subject="Xác nhận hợp đồng OnGPT",
        email="Hợp đồng gói {plan} của bạn đã được kích hoạt, hiệu lực đến {expires_on}.",
        sms="OnGPT: hop dong goi {plan} cua ban da kich hoat, hieu luc den {expires_on}.",
    ),
    (Kind.CONTRACT_CONFIRMATION, "en"): Template(
        subject="Your OnGPT contract is confirmed",
        email="Your {plan} contract is active until {expires_on}.",
        sms="OnGPT: your {plan} contract is active until {expires_on}.",
    ),
    (Kind.RENEWAL_INVITATION, "vi"): Template(
        subject="Gói OnGPT của bạn sắp hết hạn",
        email=(
            "Gói {plan} của bạn hết hạn vào {expires_on} ({days} ngày nữa). "
            "Hãy gia hạn để tiếp tục sử dụng."
        ),
        sms="OnGPT: goi {plan} het han ngay {expires_on} ({days} ngay nua). Hay gia han.",
    ),
    (Kind.RENEWAL_INVITATION, "en"): Template(
        subject="Your OnGPT plan expires soon",
        email="Your {plan} plan expires on {expires_on} (in {days} days). Renew to keep it.",
        sms="OnGPT: your {plan} plan expires on {expires_on} (in {days} days). Renew to keep it.",
    ),
    (Kind.COMPLAINT_OUTCOME, "vi"): Template(
        subject="Khiếu nại của bạn đã được xử lý",
        email="Khiếu nại {reference} bạn gửi ngày {filed_on} đã được xử lý: {outcome}.\n\n"
        "{resolution}",
        sms="OnGPT: khieu nai cua ban da duoc xu ly ({outcome}). Xem email de biet chi tiet.",
    ),
    (Kind.COMPLAINT_OUTCOME, "en"): Template(
        subject="Your complaint has been handled",
        email="Your complaint {reference} of {filed_on} has been handled: {outcome}.\n\n"
        "{resolution}",
        sms="OnGPT: your complaint was handled ({outcome}). See your email for details.",
    ),
    (Kind.RECOVERY_CODE, "vi"): Template(
        subject="Mã khôi phục tài khoản OnGPT",
        email=(
            "Mã khôi phục tài khoản của bạn là {code}. Mã có hiệu lực trong 10 phút.\n\n"
            "Nếu bạn không yêu cầu khôi phục, hãy bỏ qua thư này: không có gì thay đổi."
        ),
        sms="OnGPT: ma khoi phuc tai khoan cua ban la {code}, hieu luc 10 phut. Khong chia se.",
    ),
    (Kind.RECOVERY_CODE, "en"): Template(
        subject="Your OnGPT account recovery code",
        email=(
            "Your account recovery code is {code}. It is valid for 10 minutes.\n\n"
            "If you did not ask to recover your account, ignore this message: nothing changes."
        ),
        sms="OnGPT: your account recovery code is {code}, valid for 10 minutes. Do not share it.",
    ),
    (Kind.ACCOUNT_RECOVERED, "vi"): Template(
        subject="Tài khoản OnGPT của bạn đã được khôi phục",
        email=(
            "Mật khẩu hoặc ứng dụng xác thực của tài khoản vừa được đặt lại, và mọi phiên "
            "đăng nhập đã bị đăng xuất.\n\n"
            "Nếu không phải bạn, hãy liên hệ bộ phận hỗ trợ của OnGPT ngay."
        ),
        sms="OnGPT: tai khoan cua ban vua duoc khoi phuc. Neu khong phai ban, hay lien he ho tro.",
    ),
    (Kind.ACCOUNT_RECOVERED, "en"): Template(
        subject="Your OnGPT account was recovered",
        email=(
            "The password or the authenticator app of your account was just reset, and every "
            "session was signed out.\n\n"
            "If this was not you, contact OnGPT support at once."
        ),
        sms="OnGPT: your account was just recovered. If this was not you, contact support.",
    ),
    (Kind.ACCOUNT_CLOSING, "vi"): Template(
        subject="Tài khoản OnGPT của bạn đang được đóng",
        email=(
            "Tài khoản của bạn đã được đóng theo yêu cầu và sẽ bị xoá vĩnh viễn sau {erase_on}.\n\n"
            "Muốn giữ lại tài khoản? Hãy liên hệ bộ phận hỗ trợ của OnGPT trước ngày đó để mở lại."
        ),
        sms=(
            "OnGPT: tai khoan da dong, se bi xoa sau {erase_on}. "
            "Lien he ho tro truoc ngay do de mo lai."
        ),
    ),
    (Kind.ACCOUNT_CLOSING, "en"): Template(
        subject="Your OnGPT account is closing",
        email=(
            "Your account was closed as you asked and will be erased for good after {erase_on}."
            "\n\nWant to keep it? Contact OnGPT support before then to reopen it."
        ),
        sms="OnGPT: account closed, erased after {erase_on}. Contact support before then to undo.",
    ),
    **{
        (kind, language): Template(subject="OnGPT: {title}", email="{body}", sms="OnGPT: {title}")
        for kind in (Kind.PRODUCT_UPDATE, Kind.SERVICE_CHANGE)
        for language in ("vi", "en")
    },
}


def template(kind: Kind, language: str | None) -> Template:
    return (
        TEMPLATES.get((kind, language or DEFAULT_LANGUAGE)) or TEMPLATES[(kind, DEFAULT_LANGUAGE)]
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
        with self._recorded(customer_id, kind, "email"):
            self._ses.send_email(
                FromEmailAddress=self._sender,
                Destination={"ToAddresses": [to]},
                Content={
                    "Simple": {
                        "Subject": {"Data": chosen.subject.format(**values), "Charset": "UTF-8"},
                        "Body": {
                            "Text": {"Data": chosen.email.format(**values), "Charset": "UTF-8"}
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
        with self._recorded(customer_id, kind, "sms"):
            self._sns.publish(
                PhoneNumber=to,
                Message=template(kind, language).sms.format(**values),
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
