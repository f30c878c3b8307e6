"""The privacy centre in headless Chromium against the local runtime, on a desk and on a phone,
in Vietnamese and in English: a new customer's journey (registering with 09..., sign-in by phone
number, reloads, a change of email, the access log after a staff read, a complaint followed, the
download, signing out everywhere); every page in both languages with data in every state, never
a raw value nor English on the Vietnamese page; a recovery, a session ended elsewhere, a new
password and the closure; a guest's complaint with the keyboard. Every page checked by axe-core,
no Content-Security-Policy violation, screenshots under .build/screenshots."""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from local.client import LocalClient, SignedSession
from local.cognito import totp_code_to_type
from ongpt.notify.delivery import said_on
from tests.support.browser import accessibility_violations, screenshot, words_problems
from tests.support.phones import new_phone
from tests.support.signed import arrived, latest_code, register, sign_in, staff

PASSWORD = "correct-Horse-battery-9"
NEW_PASSWORD = "another-Horse-battery-7"
DESK: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}}
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
}
# Values the data of these tests hold as the API stores them, which no page may show as such.
STORED = ("acme-bank", "cong-an", "partner-z", "vien-kiem-sat", "business", "customer_support")
# A complaint's reference as the API gives it (ongpt/complaints/service.py).
REFERENCE = r"[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}"
PAGE_SIZE = 20  # the items a page of a list asks for (web/src/aws.js)
SHOWN = ("#/edits", "#/consents", "#/access-log", "#/disclosures", "#/complaints")  # README
CUSTOMER_PAGES = {  # address: heading (vi, en)
    "#/me": ("Dữ liệu của tôi", "My data"),
    "#/edits": ("Yêu cầu chỉnh sửa", "Edit requests"),
    "#/security": ("Bảo mật đăng nhập", "Sign-in security"),
    "#/consents": ("Sự đồng ý của tôi", "My consents"),
    "#/access-log": ("Ai đã xem dữ liệu của tôi", "Who looked at my data"),
    "#/disclosures": ("Dữ liệu đã chia sẻ với bên khác", "Data shared with others"),
    "#/export": ("Tải dữ liệu của tôi", "Download my data"),
    "#/contracts": ("Hợp đồng", "Contracts"),
    "#/notifications": ("Tin đã gửi cho tôi", "Messages sent to me"),
    "#/complaints": ("Khiếu nại của tôi", "My complaints"),
    "#/complain": ("Gửi khiếu nại", "Make a complaint"),
    "#/policy": ("Chính sách và điều khoản", "Policy and terms"),
    "#/closure": ("Đóng tài khoản", "Close my account"),
}


class Visit:
    """The site in a fresh browser context, recording CSP violations, page errors and axe-core's
    findings and raw values per page."""

    def __init__(self, browser: Any, web_url: str, shots: str = "", **context: Any) -> None:
        self.web_url = web_url
        self.shots = shots  # the screenshots' suffix: the device, where a test runs on two
        self.context = browser.new_context(accept_downloads=True, **context)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.findings: dict[str, list[Any]] = {}
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
        self.open("#/")

    def _seen(self, request: Any) -> None:
        if "cognito-identity" in request.url and request.method == "POST":
            logins = (request.post_data_json or {}).get("Logins") or {}
            self.id_tokens += [token for token in logins.values() if token not in self.id_tokens]

    def open(self, address: str) -> None:
        """The page at ``address`` as a new load (a deep link; from the site itself, a change of
        its address's fragment would not load it anew)."""
        self.page.goto("about:blank")
        self.page.goto(f"{self.web_url}{address}")
        self.ready()

    def go(self, address: str, heading: str) -> None:
        """The page at ``address`` within the loaded app, as a link opens it."""
        self.page.evaluate("address => { location.hash = address; }", address)
        self.page.wait_for_selector(f"#view:not([aria-busy]) h2:text-is('{heading}')")

    def ready(self) -> None:
        self.page.wait_for_selector("body[data-ready=true]")
        self.page.wait_for_selector("#view:not([aria-busy]) h2")

    def reload(self) -> None:
        self.page.reload()
        self.ready()

    def step(self, name: str, *, axe: bool = True, shot: bool = True) -> None:
        """The page is settled: its words checked (no raw value; no English on a Vietnamese
        page), its accessibility, its screenshot."""
        self.ready()
        lang = str(self.page.get_attribute("html", "lang"))
        found: list[Any] = words_problems(str(self.page.inner_text("body")), lang, STORED)
        if axe:
            found += accessibility_violations(self.page)
        self.findings[name] = found
        if shot:
            screenshot(self.page, name + self.shots)

    def heading(self) -> str:
        return str(self.page.text_content("#view h2"))

    def menu(self, label: str) -> None:
        """A page from the menu (opened first on a phone)."""
        self.menu_button(label, "a")
        self.page.wait_for_selector(f"#view h2:text-is('{label}')")
        self.ready()

    def menu_button(self, label: str, kind: str = "button") -> None:
        toggle = self.page.locator("nav .menu-toggle")
        if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
            toggle.click()
        self.page.click(f"nav {kind}:text-is('{label}')")

    def submit(self, form: str = "#view form") -> None:
        self.page.click(f"{form} button[type=submit]")

    def field_error(self) -> str:
        self.page.wait_for_selector("#view .form-error:not(:empty), #view .field-error:not(:empty)")
        return str(self.page.text_content("#view form"))

    def status(self, text: str) -> str:
        """The page's one live region, once it says ``text``."""
        self.page.wait_for_selector(f"#status:has-text('{text}')")
        return str(self.page.text_content("#status"))

    def clean(self) -> None:
        assert self.problems == []
        assert {name: found for name, found in self.findings.items() if found} == {}


@pytest.fixture
def visit(browser: Any, local_runtime: LocalClient) -> Iterator[Callable[..., Visit]]:
    opened: list[Visit] = []

    def open_site(**context: Any) -> Visit:
        opened.append(Visit(browser, local_runtime.config["web_url"], **context))
        return opened[-1]

    yield open_site
    for each in opened:
        each.context.close()


def spaced(phone: str) -> str:
    """0961234567 as a person writes it: 0961 234 567."""
    return f"{phone[:4]} {phone[4:7]} {phone[7:]}"


def e164(phone: str) -> str:
    return "+84" + phone[1:]


def answer_as_the_api(route: Any, origin: str, status: int, body: Callable[[], Any]) -> None:
    """Answer the page's call at ``route`` as the API would, its preflight included."""
    headers = {
        "access-control-allow-origin": origin,
        "access-control-allow-headers": "*",
        "access-control-allow-methods": "GET, PUT, OPTIONS",
    }
    if route.request.method == "OPTIONS":
        route.fulfill(status=204, headers=headers)
    else:
        route.fulfill(status=status, headers=headers, json=body())


@pytest.mark.clause("P2.3", "P2.6", "P5", "P6.1", "P6.2")
@pytest.mark.parametrize("device", ["desk", "phone"])
def test_a_new_customer_lives_with_the_page(
    device: str, visit: Callable[..., Visit], local_runtime: LocalClient, tmp_path: Path
) -> None:
    site = visit(
        shots="" if device == "desk" else "-phone", **(DESK if device == "desk" else PHONE)
    )
    page = site.page
    assert site.heading() == "Trang chủ"
    site.step("01-home")
    page.keyboard.press("Tab")  # the skip link: to the content, the address unchanged
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.matches('#view h2')")
    assert page.url.endswith("#/")
    site.open("#/khong-co-trang-nay")
    assert site.heading() == "Không tìm thấy trang"
    page.click("#view a:text-is('Về trang chủ')")
    page.wait_for_selector("#view h2:text-is('Trang chủ')")

    phone, email = new_phone(), f"an.{uuid.uuid4().hex[:10]}@example.com"
    page.click("nav >> text=Đăng ký")
    page.wait_for_selector("#f-full_name")
    assert "Ví dụ: 0912 345 678" in str(page.text_content("#f-phone-hint"))
    page.fill("#f-full_name", "Nguyễn Văn An")
    page.fill("#f-phone", spaced(phone))
    page.fill("#f-email", email)
    site.submit()  # the two acceptances missing: an error next to each box
    assert site.field_error()
    assert page.get_attribute("#f-consents-privacy_policy", "aria-invalid") == "true"
    page.check("#f-consents-privacy_policy")
    page.check("#f-consents-terms")
    page.check("#f-consents-product_updates")
    site.step("02-registration")
    site.submit()
    page.wait_for_selector("#f-email_code")
    assert page.evaluate("document.activeElement.id") == "f-email_code"  # the code field first
    said = str(page.text_content("#view"))
    assert f"{phone[:4]} *** {phone[-3:]}" in said  # where the codes went, masked
    assert "a***@example.com" in said
    assert "Gửi lại mã sau" in said  # a countdown, not a refusal
    site.reload()  # the codes are read in another app, which may unload the page
    assert site.heading() == "Nhập mã xác minh"
    page.fill("#f-email_code", latest_code(local_runtime, email))
    page.fill("#f-phone_code", latest_code(local_runtime, e164(phone)))
    assert page.locator("#f-password-rules li.met").count() == 0  # the rules, before typing
    page.fill("#f-password", PASSWORD)
    assert page.locator("#f-password-rules li.met").count() == 5  # checked as typed
    page.fill("#f-password_repeat", PASSWORD)
    site.step("03-codes")
    site.submit()

    page.wait_for_selector("#status:has-text('Tài khoản của bạn đã được tạo')")
    page.fill("#f-username", "0999 000 000")  # nobody's number: the same words as a wrong password
    page.fill("#f-password", PASSWORD)
    site.submit()
    refused = site.field_error()
    assert "Không đăng nhập được" in refused
    assert "exist" not in refused
    page.fill("#f-username", spaced(phone))  # signs in by phone number, as people write it
    site.step("04-sign-in")
    texts = len(local_runtime.outbox(e164(phone)))
    site.submit()
    page.wait_for_selector("#f-code")
    assert f"đuôi {phone[-4:]}" in str(page.text_content("#view"))  # the SMS step names the number
    page.fill("#f-code", latest_code(local_runtime, e164(phone), texts))
    site.submit()
    page.wait_for_selector("#view h2:text-is('Bảo mật đăng nhập')")  # the first sign-in: a choice
    site.step("05-choose-mfa")
    page.check("#f-method-app")
    site.submit()
    page.wait_for_selector("#totp-secret")
    assert str(page.get_attribute("#view a.button", "href")).startswith("otpauth://totp/OnGPT:")
    # The QR code, drawn in the page, on a desk; a phone cannot scan its own screen.
    assert page.locator("svg.qr").is_visible() == (device == "desk")
    site.step("06-app-set-up")
    secret = page.text_content("#totp-secret")
    page.fill("#f-code", totp_code_to_type(str(secret)))
    site.submit()

    page.wait_for_selector("dl.profile")
    profile = str(page.text_content("dl.profile"))
    assert "Nguyễn Văn An" in profile
    assert spaced(phone) in profile  # 0961 234 567, never +84961234567
    site.step("07-my-data")
    customer = local_runtime.session(id_token=site.id_tokens[-1])
    for address, (heading, _) in CUSTOMER_PAGES.items():  # a reload keeps the customer there
        site.go(address, heading)
        site.reload()
        assert site.heading() == heading, address
        assert page.locator("nav >> text=Đăng xuất").count() == 1
        site.step(f"08-reload{address.replace('#/', '-')}", axe=False, shot=False)

    site.menu("Sự đồng ý của tôi")
    page.click("[data-purpose=marketing]")
    assert "Đã lưu" in site.status("Đã lưu")
    assert page.get_attribute("[data-purpose=marketing]", "aria-checked") == "true"
    page.click("li.consent:has([data-purpose=marketing]) summary")
    page.wait_for_selector("li.consent:has([data-purpose=marketing]) details table")
    site.step("09-consents")

    new_email = f"an.moi.{uuid.uuid4().hex[:8]}@example.com"
    site.menu("Yêu cầu chỉnh sửa")
    assert page.input_value("#f-email") == email  # the form holds today's values
    assert page.input_value("#f-phone") == spaced(phone)
    page.fill("#f-email", new_email)
    page.fill("#f-reason", "Tôi đổi email")
    site.submit("#view > form")
    page.wait_for_selector(".card[data-status=PENDING_VERIFICATION]")
    card = page.locator(".card[data-status=PENDING_VERIFICATION]")
    assert f"{email} → {new_email}" in str(card.text_content())  # what changes
    assert card.locator("input[name=phone_code]").count() == 0  # a code only for the new email
    card.locator("input[name=email_code]").fill(latest_code(local_runtime, new_email))
    site.step("10-edit-request-code")
    card.locator("button[type=submit]").click()
    page.wait_for_selector(".card[data-status=PENDING_REVIEW]")
    request_id = customer.request("GET", "/v1/me/edit-requests").json()["edit_requests"][0]
    support = staff(local_runtime, "support")
    decided = support.request(
        "POST",
        f"/v1/staff/edit-requests/{request_id['edit_request_id']}/decision",
        json_body={"decision": "approve", "note": "Đã đối chiếu giấy tờ."},
    )
    assert decided.status_code == 200
    # An approved change of email signs the customer out everywhere (API.md): the page says so
    # and, signed in again with the new email, returns to where they were.
    site.reload()
    assert "Phiên đăng nhập đã kết thúc" in site.status("Phiên đăng nhập đã kết thúc")
    assert site.heading() == "Đăng nhập"
    page.fill("#f-username", new_email)
    page.fill("#f-password", PASSWORD)
    site.submit()
    page.wait_for_selector("#f-code")
    page.fill("#f-code", totp_code_to_type(str(secret)))
    site.submit()
    page.wait_for_selector(".card[data-status=APPLIED]")
    assert "Đã đối chiếu giấy tờ." in str(page.text_content(".card[data-status=APPLIED]"))
    site.step("11-edit-request-applied")

    read = support.request(
        "GET", f"/v1/staff/customers/{customer_id(site)}?purpose=customer_support"
    )
    assert read.status_code == 200
    site.menu("Ai đã xem dữ liệu của tôi")
    log = str(page.text_content("#view table"))
    assert "Nhân viên hỗ trợ khách hàng" in log
    assert "để hỗ trợ bạn" in log
    assert "support-tester" not in str(page.text_content("#view"))  # never who
    site.step("12-access-log")

    site.menu("Gửi khiếu nại")
    page.fill("#f-subject", "Hoá đơn tháng này")
    page.fill("#f-message", "Tôi bị tính tiền hai lần.")
    told = len(local_runtime.outbox(new_email))
    site.submit()
    page.wait_for_selector("#view .notice")
    site.menu("Khiếu nại của tôi")
    reference = str(page.text_content("#view .reference"))
    assert re.fullmatch(REFERENCE, reference)
    assert reference in arrived(local_runtime, new_email, told + 1)[-1]["subject"]  # the receipt's
    site.step("13-complaints")

    site.menu("Tải dữ liệu của tôi")
    assert "Ai đã xem dữ liệu của tôi" in str(page.text_content("#view article.export"))
    site.step("14-export")
    with page.expect_download() as download:
        page.click("#view button:text-is('Tải tệp JSON')")
    assert re.fullmatch(
        r"ongpt-du-lieu-cua-toi-\d{4}-\d{2}-\d{2}\.json", download.value.suggested_filename
    )
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    exported = json.loads(saved.read_text())
    assert exported["profile"]["email"] == new_email
    assert [e["status"] for e in exported["edit_requests"]] == ["APPLIED"]

    page.go_back()  # Back: the page before, still signed in
    page.wait_for_selector("#view h2:text-is('Khiếu nại của tôi')")
    page.click("#language")
    page.wait_for_selector("#view h2:text-is('My complaints')")
    assert page.get_attribute("html", "lang") == "en"
    site.step("15-complaints-en")
    page.click("#language")

    id_token = site.id_tokens[-1]  # the one the page got its credentials with
    assert _credentials_for(local_runtime, id_token) == 200
    with page.expect_response("**/v1/me/sign-out") as signed_out:
        site.menu_button("Đăng xuất")
    assert signed_out.value.status == 204
    assert signed_out.value.request.headers.get("idempotency-key")
    site.status("Bạn đã đăng xuất")
    assert page.locator("nav >> text=Dữ liệu của tôi").count() == 0
    assert _credentials_for(local_runtime, id_token) == 403  # revoked everywhere, not just here
    site.reload()  # nothing of the session is left in the tab
    assert page.locator("nav >> text=Dữ liệu của tôi").count() == 0
    site.clean()


def customer_id(site: Visit) -> str:
    """The signed-in customer's id: the sub of the ID token the page signs in with."""
    payload = site.id_tokens[-1].split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"])


def _credentials_for(local_runtime: LocalClient, id_token: str) -> int:
    """The status the identity pool's server-side token check answers for ``id_token``."""
    answer = requests.post(
        f"{local_runtime.api_url}/_local/credentials", json={"id_token": id_token}, timeout=30
    )
    return answer.status_code


def signed_in_tab(site: Visit, local_runtime: LocalClient, tokens: dict[str, str]) -> None:
    """The tab holds a customer's tokens where the page keeps them (sessionStorage, under
    amazon-cognito-identity-js's keys), as after a sign-in in it: the page restores the session."""
    payload = tokens["IdToken"].split(".")[1]
    username = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))[
        "cognito:username"
    ]
    prefix = f"CognitoIdentityServiceProvider.{local_runtime.config['user_pool_client_id']}"
    items = {
        f"{prefix}.LastAuthUser": username,
        f"{prefix}.{username}.idToken": tokens["IdToken"],
        f"{prefix}.{username}.accessToken": tokens["AccessToken"],
        f"{prefix}.{username}.refreshToken": tokens["RefreshToken"],
        f"{prefix}.{username}.clockDrift": "0",
    }
    site.page.evaluate(
        "items => Object.entries(items).forEach(([k, v]) => sessionStorage.setItem(k, v))", items
    )


def customer_with_everything(
    local_runtime: LocalClient, guest: SignedSession
) -> tuple[dict[str, Any], SignedSession]:
    """A customer with data in every state the API has: edit requests in each status, an active
    and an ended contract, consents granted and withdrawn (a named partner, an unnamed one),
    disclosures on each legal basis, complaints in each status, reads by each staff role (more
    than a page of them)."""
    person = register(local_runtime, guest)
    person["tokens"] = sign_in(local_runtime, person["email"], person["password"])["tokens"]
    me = local_runtime.session(id_token=person["tokens"]["IdToken"])
    support, compliance = staff(local_runtime, "support"), staff(local_runtime, "compliance")
    cid = person["customer_id"]

    def ok(answer: requests.Response) -> dict[str, Any]:
        assert answer.status_code < 300, answer.text
        return answer.json() if answer.content else {}

    def consents_and_disclosures() -> None:
        for purpose, granted in [
            ("marketing", True),
            ("third_party_sharing:acme-bank", True),
            ("third_party_sharing:partner-z", True),
            ("third_party_sharing:partner-z", False),
        ]:
            ok(me.request("PUT", f"/v1/me/consents/{purpose}", json_body={"granted": granted}))
        for recipient, basis, categories in [
            ("cong-an", "legal_obligation", ["contact", "contracts"]),
            ("acme-bank", "consent", ["profile"]),  # with the consent just granted
            ("vien-kiem-sat", "legal_obligation", ["complaints", "consents"]),
        ]:
            disclosure = {"customer_id": cid, "recipient": recipient, "legal_basis": basis}
            if basis == "legal_obligation":
                disclosure["authority_reference"] = "CV-118/2026"
            disclosure["data_categories"] = categories
            ok(compliance.request("POST", "/v1/staff/disclosures", json_body=disclosure))

    def edit(changes: dict[str, Any]) -> str:
        body = {"changes": changes, "reason": "Cập nhật hồ sơ"}
        return str(
            ok(me.request("POST", "/v1/me/edit-requests", json_body=body))["edit_request_id"]
        )

    def edit_requests() -> None:
        decided: list[tuple[dict[str, Any], str, str]] = [
            ({"optional": {"company": "Công ty Bình Minh"}}, "approve", "Đã kiểm tra."),
            ({"full_name": "Nguyễn Văn Ân"}, "reject", "Tên không khớp với giấy tờ."),
        ]
        for changes, decision, note in decided:
            path = f"/v1/staff/edit-requests/{edit(changes)}/decision"
            ok(support.request("POST", path, json_body={"decision": decision, "note": note}))
        withdrawn = edit({"optional": {"address": "12 Lý Thường Kiệt, Hà Nội"}})
        ok(me.request("POST", f"/v1/me/edit-requests/{withdrawn}/withdraw"))
        edit({"optional": {"date_of_birth": "1990-05-17", "preferred_language": "en"}})
        edit({"phone": spaced(new_phone())})  # waits for the new number's code

    def contracts() -> None:
        for plan, starts, ends in [
            ("business", "2026-01-01T00:00:00Z", "2027-11-30T23:59:59Z"),
            ("Pro", "2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z"),
        ]:
            contract = {"customer_id": cid, "plan": plan, "starts_at": starts, "expires_at": ends}
            ok(support.request("POST", "/v1/staff/contracts", json_body=contract))

    def complaints_and_a_read() -> None:
        complaints: list[tuple[str, list[tuple[str, str | None]]]] = [
            ("billing", [("IN_PROGRESS", None), ("RESOLVED", "Chúng tôi đã hoàn lại tiền.")]),
            ("privacy", [("REJECTED", "Không thấy dữ liệu nào bị dùng sai mục đích.")]),
            ("service", [("IN_PROGRESS", None)]),
            ("other", []),
        ]
        for category, moves in complaints:
            body = {"category": category, "subject": "Góp ý", "message": "Nội dung."}
            filed = ok(me.request("POST", "/v1/complaints", json_body=body))
            for status, resolution in moves:
                change = {"status": status, **({"resolution": resolution} if resolution else {})}
                path = f"/v1/staff/complaints/{filed['complaint_id']}"
                ok(support.request("PATCH", path, json_body=change))
        ok(compliance.request("GET", f"/v1/staff/customers/{cid}?purpose=legal_request"))

    # Independent of each other: at once (the runtime serves functions concurrently).
    parts = (consents_and_disclosures, edit_requests, contracts, complaints_and_a_read)
    with ThreadPoolExecutor(len(parts)) as pool:
        for done in [pool.submit(part) for part in parts]:
            done.result()
    # An access log of more than a page; after the rest, whose audit entries it would race.
    for _ in range(PAGE_SIZE):
        ok(support.request("GET", f"/v1/staff/customers/{cid}?purpose=customer_support"))
    return person, me


def all_pages_shown(page: Any) -> None:
    """Asks for the list's next page ("more") until there is none."""
    while page.locator("#view button.more:visible").count():
        page.click("#view button.more:visible")
        page.wait_for_selector("#view button.more:enabled", state="attached")  # the page added


@pytest.mark.clause("P3.7", "P5", "P6.1", "P6.2")
def test_every_page_in_both_languages_says_every_state_in_words_on_a_phone_and_a_desk(
    visit: Callable[..., Visit], local_runtime: LocalClient, guest: SignedSession
) -> None:
    person, me = customer_with_everything(local_runtime, guest)
    site = visit(**PHONE)
    page = site.page
    signed_in_tab(site, local_runtime, person["tokens"])
    site.open("#/edits")  # a deep link, the session restored from the tab
    statuses = page.eval_on_selector_all(".card", "cards => cards.map(c => c.dataset.status)")
    assert sorted(statuses) == sorted(
        ["PENDING_VERIFICATION", "PENDING_REVIEW", "WITHDRAWN", "APPLIED", "REJECTED"]
    )
    waiting = page.locator(".card[data-status=PENDING_VERIFICATION]")
    assert waiting.locator("input[name=phone_code]").count() == 1
    assert waiting.locator("input[name=email_code]").count() == 0
    assert "Tên không khớp với giấy tờ." in str(page.text_content(".card[data-status=REJECTED]"))
    assert "→" in str(page.text_content(".card[data-status=PENDING_REVIEW]"))  # old → new

    # A switch that could not be saved says so, and why; it stays as it was.
    site.go("#/consents", CUSTOMER_PAGES["#/consents"][0])
    refused = re.compile(r".*/v1/me/consents/marketing$")
    error = {"error": {"code": "TOO_MANY_REQUESTS", "message": "Too many requests."}}
    page.route(
        refused,
        lambda route: answer_as_the_api(route, site.web_url.rstrip("/"), 429, lambda: error),
    )
    page.click("[data-purpose=marketing]")
    assert "quá nhiều yêu cầu" in site.status("Chưa lưu được.")
    assert page.get_attribute("[data-purpose=marketing]", "aria-checked") == "true"
    page.unroute(refused)

    for lang, phone_view, desk_view in [("vi", True, False), ("en", True, True)]:
        if page.get_attribute("html", "lang") != lang:
            page.click("#language")
            page.wait_for_selector(f"html[lang={lang}]")
        for viewport, seen in [(PHONE, phone_view), (DESK, desk_view)]:
            if not seen:
                continue
            page.set_viewport_size(viewport["viewport"])
            for address, headings in CUSTOMER_PAGES.items():
                site.go(address, headings[lang == "en"])
                if address == "#/contracts":  # the day the notices say, not the UTC one
                    assert said_on("2027-11-30T23:59:59Z", lang) in page.text_content("#view")
                all_pages_shown(page)
                if address == "#/access-log":  # more than a page: every entry, page after page
                    entries = len(me.request("GET", "/v1/me/export").json()["access_log"])
                    assert entries > PAGE_SIZE
                    assert page.locator("#view tbody tr").count() == entries
                name = f"40-{lang}-{viewport['viewport']['width']}{address.replace('#/', '-')}"
                site.step(name, axe=lang == "vi", shot=address in SHOWN)
    page.set_viewport_size(PHONE["viewport"])
    page.click("#language")  # back to Vietnamese: the phone's menu, grouped
    page.wait_for_selector("html[lang=vi]")
    page.click("nav .menu-toggle")
    assert page.get_attribute("nav .menu-toggle", "aria-expanded") == "true"
    assert page.locator("nav a[aria-current=page]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    site.step("41-menu-phone")
    site.clean()


@pytest.mark.clause("P1.2", "P2.3")
def test_a_customer_recovers_signs_in_by_sms_sets_up_an_app_and_closes_the_account_on_a_phone(
    visit: Callable[..., Visit], local_runtime: LocalClient, guest: SignedSession
) -> None:
    person = register(local_runtime, guest)
    email, phone = person["email"], person["e164"]
    sign_in(local_runtime, email, person["password"])  # an authenticator app, then lost
    site = visit(**PHONE, permissions=["clipboard-read", "clipboard-write"])
    page = site.page
    page.click("#language")  # in English, on a phone: the guest's pages
    page.wait_for_selector("html[lang=en]")
    site.step("29-home-en", shot=False)
    site.go("#/register", "Register")
    site.step("29-register-en", shot=False)
    page.click("nav >> text=Recover my account")
    page.fill("#f-email", email)
    page.fill("#f-phone", f"+84 {phone[3:6]} {phone[6:9]} {phone[9:]}")  # +84 ... with spaces
    site.step("30-recovery")
    before = {address: len(local_runtime.outbox(address)) for address in (email, phone)}
    site.submit()
    page.wait_for_selector("#f-email_code")
    assert f"0{phone[3:6]} *** {phone[-3:]}" in str(page.text_content("#view"))
    site.reload()  # back from the mail app, which may have unloaded the page: still pending
    assert site.heading() == "Enter the recovery codes"
    page.fill("#f-email_code", latest_code(local_runtime, email, before[email]))
    page.fill("#f-phone_code", latest_code(local_runtime, phone, before[phone]))
    site.submit()  # neither a new password nor the app removed: said next to the password
    page.wait_for_selector("#f-new_password[aria-invalid=true]")
    page.fill("#f-new_password", NEW_PASSWORD)
    page.fill("#f-new_password_repeat", NEW_PASSWORD)
    page.check("#f-reset_mfa")
    site.step("31-recovery-codes")
    site.submit()
    site.status("Your account is recovered")

    texts = len(local_runtime.outbox(phone))
    page.fill("#f-username", email)
    page.fill("#f-password", NEW_PASSWORD)
    site.submit()
    page.wait_for_selector("#f-code")
    assert site.heading() == "SMS code"  # the app removed: MFA by SMS, the number named
    assert f"ending in {phone[-4:]}" in str(page.text_content("#view"))
    page.fill("#f-code", latest_code(local_runtime, phone, texts))
    site.submit()
    page.wait_for_selector("dl.profile")

    site.menu("Sign-in security")
    assert f"we text a code to 0{phone[3:6]} *** {phone[-3:]}" in str(page.text_content("#view"))
    site.step("32-security-sms")
    page.click("#view button:text-is('Set up an authenticator app')")
    page.wait_for_selector("#totp-secret")
    secret = str(page.text_content("#totp-secret"))
    link = str(page.get_attribute("#view a.button", "href"))  # opens the app on a phone
    assert link.startswith("otpauth://totp/OnGPT:")
    assert f"secret={secret}" in link
    assert not page.locator("svg.qr").is_visible()  # no QR code a phone cannot scan itself
    page.click("#view button:text-is('Copy the key')")
    page.wait_for_selector("#view :text('Copied.')")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    site.step("33-security-app-phone")
    page.fill("#f-code", totp_code_to_type(secret))
    site.submit()
    site.status("Authenticator app set up")
    site.go("#/security", "Sign-in security")
    assert "asks for a code from your authenticator app" in str(page.text_content("#view"))

    page.fill("#f-current_password", "not-the-Password-1")
    page.fill("#f-new_password", PASSWORD)
    page.fill("#f-new_password_repeat", PASSWORD)
    site.submit("#view form:has(#f-current_password)")
    page.wait_for_selector("#f-current_password[aria-invalid=true]")
    page.fill("#f-current_password", NEW_PASSWORD)
    site.submit("#view form:has(#f-current_password)")
    site.status("Password changed")

    # Signed out everywhere from another device: the tab's session has ended, and signing in
    # again (with the new password) returns to the page that was asked for.
    customer = local_runtime.session(id_token=site.id_tokens[-1])
    assert customer.request("POST", "/v1/me/sign-out").status_code == 204
    site.open("#/closure")
    assert "Your session has ended" in site.status("Your session has ended")
    page.fill("#f-username", email)
    page.fill("#f-password", PASSWORD)
    site.submit()
    page.wait_for_selector("#f-code")
    page.fill("#f-code", totp_code_to_type(secret))
    site.submit()
    page.wait_for_selector("#view h2:text-is('Close my account')")

    with page.expect_download() as download:  # the download is offered first
        page.click("#view button:text-is('Download the JSON file')")
    assert re.fullmatch(r"ongpt-my-data-\d{4}-\d{2}-\d{2}\.json", download.value.suggested_filename)
    page.fill("#f-reason", "I no longer use it")
    site.submit()  # not confirmed: nothing is closed, the box says why
    page.wait_for_selector("#f-confirm[aria-invalid=true]")
    site.step("34-closure-phone")
    page.check("#f-confirm")
    told = len(local_runtime.outbox(email))
    with page.expect_response("**/v1/me/closure") as closed:
        site.submit()
    erase_after = closed.value.json()["erase_after"]
    # The date of erasure as the page says it and as the notice says it: the same day.
    assert said_on(erase_after, "en") in site.status("Your account is closing")
    notice = arrived(local_runtime, email, told + 1)[-1]["body"]
    assert said_on(erase_after, "vi") in notice
    site.step("35-closed-phone")

    page.click("nav >> text=Sign in")
    page.fill("#f-username", email)
    page.fill("#f-password", PASSWORD)
    site.submit()
    assert "the account is closed" in site.field_error()  # sign-in refused, in the same words
    assert page.locator("nav >> text=My data").count() == 0
    site.clean()


@pytest.mark.clause("P2.3", "P2.6", "P6.2")
def test_a_guest_complains_with_the_keyboard_on_a_phone(
    visit: Callable[..., Visit], local_runtime: LocalClient
) -> None:
    site = visit(**PHONE)
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
        "Tab",
        "0912 345 678",
    ]:
        page.keyboard.press(keys) if keys == "Tab" else page.keyboard.type(keys)
    page.keyboard.press("Enter")
    page.wait_for_selector("#f-contact-email[aria-invalid=true]")  # the error next to its field
    # In the page's language (the API's own message is English, for developers).
    assert page.text_content("#f-contact-email-error") == (
        "Địa chỉ email không hợp lệ, ví dụ: ten@example.com."
    )
    assert page.evaluate("document.activeElement.id") == "f-contact-email"
    site.step("20-complaint-error-phone")
    page.fill("#f-contact-email", contact)
    page.keyboard.press("Enter")
    page.wait_for_selector("#view .notice")
    assert page.text_content("#view .notice") == "Đã nhận khiếu nại."
    receipt = arrived(local_runtime, contact)[-1]  # the reference, to quote on the phone
    assert re.search(REFERENCE, receipt["subject"])
    site.step("21-complaint-filed-phone")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    site.clean()
