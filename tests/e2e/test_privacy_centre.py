"""The privacy centre in headless Chromium against the local runtime: a customer's whole journey
(signing out everywhere at the end), a recovery followed by a new authenticator app and the
account's closure, and a guest's complaint on a phone-sized screen, each page checked by axe-core,
with no
Content-Security-Policy violation, every step's screenshot under .build/screenshots."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from local.client import LocalClient, SignedSession
from local.cognito import totp_code
from tests.support.browser import accessibility_violations, screenshot
from tests.support.phones import new_phone
from tests.support.signed import arrived, latest_code, register, sign_in

PASSWORD = "correct-Horse-battery-9"
NEW_PASSWORD = "another-Horse-battery-7"
PHONE_SIZE = {"width": 390, "height": 844}


class Visit:
    """A page of the site in a fresh browser context, recording CSP violations, page errors and
    axe-core's findings per page."""

    def __init__(self, browser: Any, web_url: str, **context: Any) -> None:
        self.context = browser.new_context(accept_downloads=True, **context)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.accessibility: dict[str, list[dict[str, Any]]] = {}
        self.id_tokens: list[str] = []  # the user pool ID tokens the page signed in with
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("request", self._seen)
        self.page.on(
            "console",
            lambda message: (
                self.problems.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        self.page.goto(web_url)
        self.page.wait_for_selector("body[data-ready=true]")

    def _seen(self, request: Any) -> None:
        if "cognito-identity" in request.url and request.method == "POST":
            logins = (request.post_data_json or {}).get("Logins") or {}
            self.id_tokens += [token for token in logins.values() if token not in self.id_tokens]

    def step(self, name: str) -> None:
        """The page is settled: check its accessibility and take its screenshot."""
        self.page.wait_for_selector("main:not([aria-busy])")
        self.accessibility[name] = accessibility_violations(self.page)
        screenshot(self.page, name)

    def heading(self) -> str:
        return str(self.page.text_content("main h2"))

    def submit(self) -> None:
        self.page.click("main form button[type=submit]")


@pytest.fixture
def visit(browser: Any, local_runtime: LocalClient) -> Iterator[Any]:
    opened: list[Visit] = []

    def open_site(**context: Any) -> Visit:
        opened.append(Visit(browser, local_runtime.config["web_url"], **context))
        return opened[-1]

    yield open_site
    for each in opened:
        each.context.close()


def _field_error(visit: Visit) -> str:
    visit.page.wait_for_selector("main .form-error:not(:empty), main .field-error:not(:empty)")
    return str(visit.page.text_content("main form")).strip()


@pytest.mark.clause("P2.3", "P2.6")
def test_a_customer_registers_signs_in_with_totp_and_uses_every_page(
    visit: Any, local_runtime: LocalClient, tmp_path: Path
) -> None:
    site = visit()
    page = site.page
    assert site.heading() == "Trang chủ"
    site.step("01-home")

    email = f"an.{uuid.uuid4().hex[:10]}@example.com"
    phone = new_phone()
    page.click("nav >> text=Đăng ký")
    page.wait_for_selector("#f-full_name")
    assert "2024-10" in str(page.text_content("main"))  # the policy version, with its text
    page.fill("#f-full_name", "Nguyễn Văn An")
    page.fill("#f-phone", phone)
    page.fill("#f-email", email)
    site.submit()  # the two acceptances missing: an error next to each box
    assert _field_error(site)
    assert page.get_attribute("#f-consents-privacy_policy", "aria-invalid") == "true"
    page.check("#f-consents-privacy_policy")
    page.check("#f-consents-terms")
    page.check("#f-consents-product_updates")
    site.step("02-registration")
    site.submit()
    page.wait_for_selector("#f-email_code")
    page.fill("#f-email_code", latest_code(local_runtime, email))
    page.fill("#f-phone_code", latest_code(local_runtime, "+84" + phone[1:]))
    page.fill("#f-password", PASSWORD)
    page.fill("#f-password_repeat", PASSWORD)
    site.step("03-codes")
    site.submit()

    page.wait_for_selector("main >> text=Tài khoản của bạn đã được tạo")
    page.fill("#f-email", email)
    page.fill("#f-password", "wrong-Horse-battery-9")  # SRP: the local front checks the proof
    site.submit()
    assert "không đúng" in _field_error(site)
    page.fill("#f-password", PASSWORD)
    site.step("04-sign-in")
    site.submit()
    page.wait_for_selector("#totp-secret")
    assert page.locator("svg.qr path").count() == 1  # the QR code, drawn in the page
    site.step("05-totp-enrolment")
    page.fill("#f-code", totp_code(str(page.text_content("#totp-secret"))))
    site.submit()

    page.wait_for_selector("dl.profile")
    profile = str(page.text_content("dl.profile"))
    assert "Nguyễn Văn An" in profile
    assert email in profile
    site.step("06-my-data")

    page.click("nav >> text=Đồng ý")
    page.click("[data-purpose=marketing]")
    page.wait_for_selector("main .notice")
    marketing = page.locator("tr", has=page.locator("[data-purpose=marketing]"))
    assert "Đã đồng ý" in str(marketing.text_content())
    site.step("07-consents")
    current = _export(site, tmp_path)["consents"]["current"]
    assert {c["purpose"]: c["granted"] for c in current}["marketing"] is True

    new_email = f"an.new.{uuid.uuid4().hex[:8]}@example.com"
    page.click("nav >> text=Yêu cầu chỉnh sửa")
    page.fill("#f-email", new_email)
    page.fill("#f-reason", "Tôi đổi email")
    site.submit()
    page.wait_for_selector("main >> text=PENDING_VERIFICATION")
    page.fill("#f-email_code", latest_code(local_runtime, new_email))
    site.step("08-edit-request-code")
    page.click("main form:has(#f-email_code) button[type=submit]")
    page.wait_for_selector("main >> text=PENDING_REVIEW")
    page.click("main button.secondary")  # withdraw it
    page.wait_for_selector("main >> text=WITHDRAWN")
    site.step("09-edit-request-withdrawn")

    for name, label in [
        ("10-contracts", "Hợp đồng"),
        ("11-notifications", "Thông báo"),
        ("12-disclosures", "Tiết lộ dữ liệu"),
    ]:
        page.click(f"nav >> text={label}")
        page.wait_for_selector(f"main h2:text-is('{label}')")
        site.step(name)

    exported = _export(site, tmp_path)
    assert exported["profile"]["email"] == email
    assert [e["status"] for e in exported["edit_requests"]] == ["WITHDRAWN"]
    site.step("13-export")

    page.click("#language")
    assert site.heading() == "Download my data"
    assert page.get_attribute("html", "lang") == "en"
    page.click("#language")

    id_token = site.id_tokens[-1]  # the one the page got its credentials with
    assert _credentials_for(local_runtime, id_token) == 200
    with page.expect_response("**/v1/me/sign-out") as signed_out:
        page.click("nav >> text=Đăng xuất")
    assert signed_out.value.status == 204
    assert signed_out.value.request.headers.get("idempotency-key")
    page.wait_for_selector("main >> text=Bạn đã đăng xuất")
    assert page.locator("nav >> text=Dữ liệu của tôi").count() == 0
    assert _credentials_for(local_runtime, id_token) == 403  # revoked everywhere, not just here
    site.step("14-signed-out")

    assert site.problems == []
    assert {page: found for page, found in site.accessibility.items() if found} == {}


def _credentials_for(local_runtime: LocalClient, id_token: str) -> int:
    """The status the identity pool's server-side token check answers for ``id_token``."""
    answer = requests.post(
        f"{local_runtime.api_url}/_local/credentials", json={"id_token": id_token}, timeout=30
    )
    return answer.status_code


def _export(site: Visit, tmp_path: Path) -> dict[str, Any]:
    site.page.click("nav >> text=Tải dữ liệu của tôi")
    with site.page.expect_download() as download:
        site.page.click("main button")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    return json.loads(path.read_text())  # type: ignore[no-any-return]


@pytest.mark.clause("P2.3", "P2.6")
def test_a_guest_complains_with_the_keyboard_on_a_phone_sized_screen(visit: Any) -> None:
    site = visit(viewport=PHONE_SIZE, is_mobile=True, has_touch=True)
    page = site.page
    page.click("nav >> text=Gửi khiếu nại")
    page.wait_for_selector("#f-subject")
    contact = f"khach.{uuid.uuid4().hex[:8]}@example.com"
    page.focus("#f-category")
    for keys in [
        "Tab",
        "Chất lượng dịch vụ",
        "Tab",
        "Tôi không nhận được hoá đơn.",
        "Tab",
        "Trần Thị Bình",
        "Tab",
        "not-an-email",
    ]:
        page.keyboard.press(keys) if keys == "Tab" else page.keyboard.type(keys)
    page.keyboard.press("Enter")
    page.wait_for_selector("#f-contact-email[aria-invalid=true]")  # the error next to its field
    # In the page's language (the API's own message is English, for developers).
    assert page.text_content("#f-contact-email-error") == (
        "Địa chỉ email không hợp lệ, ví dụ: ten@example.com."
    )
    site.step("20-complaint-error-phone")
    page.fill("#f-contact-email", contact)
    page.keyboard.press("Enter")
    page.wait_for_selector("main >> text=Đã nhận khiếu nại")
    assert re.search(r"Đã nhận khiếu nại\. Mã khiếu nại: \S+", str(page.text_content("main")))
    site.step("21-complaint-filed-phone")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert site.problems == []
    assert {page: found for page, found in site.accessibility.items() if found} == {}


@pytest.mark.clause("P1.2", "P2.3")
def test_a_customer_recovers_with_both_codes_enrols_a_new_app_and_closes_the_account(
    visit: Any, local_runtime: LocalClient, guest: SignedSession
) -> None:
    customer = register(local_runtime, guest)
    email, phone = customer["email"], customer["e164"]
    sign_in(local_runtime, email, customer["password"])  # an authenticator app, then lost
    site = visit()
    page = site.page
    page.click("nav >> text=Khôi phục tài khoản")
    page.fill("#f-email", email)
    page.fill("#f-phone", phone)
    site.step("30-recovery")
    page.click("#language")  # the same page in English
    assert site.heading() == "Recover my account"
    site.step("30-recovery-en")
    page.click("#language")
    before = {address: len(local_runtime.outbox(address)) for address in (email, phone)}
    page.fill("#f-email", email)
    page.fill("#f-phone", phone)
    site.submit()
    page.wait_for_selector("#f-email_code")
    arrived(local_runtime, email, before[email] + 1)
    arrived(local_runtime, phone, before[phone] + 1)
    page.fill("#f-email_code", latest_code(local_runtime, email))
    page.fill("#f-phone_code", latest_code(local_runtime, phone))
    site.submit()  # neither a new password nor the app removed: said next to the password
    page.wait_for_selector("#f-new_password[aria-invalid=true]")
    assert page.text_content("#f-new_password-error")
    page.fill("#f-new_password", NEW_PASSWORD)
    page.fill("#f-new_password_repeat", NEW_PASSWORD)
    page.focus("#f-reset_mfa")
    page.keyboard.press("Space")
    site.step("31-recovery-codes")
    page.keyboard.press("Enter")
    page.wait_for_selector("main >> text=Tài khoản đã được khôi phục")

    sms_before = len(local_runtime.outbox(phone))
    page.fill("#f-email", email)
    page.fill("#f-password", NEW_PASSWORD)
    site.submit()
    page.wait_for_selector("#f-code, main .form-error:not(:empty)")
    assert site.heading() == "Mã SMS", page.text_content("main")  # the app removed: MFA by SMS
    arrived(local_runtime, phone, sms_before + 1)
    page.fill("#f-code", latest_code(local_runtime, phone))
    site.submit()
    page.wait_for_selector("dl.profile")

    page.click("nav >> text=Bảo mật đăng nhập")
    page.wait_for_selector("main >> text=Bạn chưa có ứng dụng xác thực")
    site.step("32-security-no-app")
    page.click("main button")
    page.wait_for_selector("#totp-secret")
    assert page.locator("svg.qr path").count() == 1
    site.step("33-security-enrolment")
    page.fill("#f-code", totp_code(str(page.text_content("#totp-secret"))))
    site.submit()
    page.wait_for_selector("main >> text=Ứng dụng xác thực đã được thiết lập")

    page.click("nav >> text=Đóng tài khoản")
    page.wait_for_selector("#f-confirm")
    page.fill("#f-reason", "Tôi không dùng nữa")
    site.submit()  # not confirmed: nothing is closed, the box says why
    page.wait_for_selector("#f-confirm[aria-invalid=true]")
    site.step("34-closure")
    page.focus("#f-confirm")
    page.keyboard.press("Space")
    with page.expect_response("**/v1/me/closure") as closed:
        page.keyboard.press("Enter")
    erase_after = closed.value.json()["erase_after"]
    page.wait_for_selector("main >> text=Tài khoản của bạn đang được đóng")
    assert erase_after[:4] in str(page.text_content("main .notice"))
    site.step("35-closed")

    page.click("nav >> text=Đăng nhập")
    page.fill("#f-email", email)
    page.fill("#f-password", NEW_PASSWORD)
    site.submit()
    assert "đã bị đóng" in _field_error(site)  # sign-in refused
    assert page.locator("nav >> text=Dữ liệu của tôi").count() == 0
    assert site.problems == []
    assert {page: found for page, found in site.accessibility.items() if found} == {}
