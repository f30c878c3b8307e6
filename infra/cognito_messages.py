"""The messages Cognito itself sends to customers, in Vietnamese first and English second, like
the service's own (``ongpt/notify/templates.toml``): a user pool has one text per message, not
one per language. ``{####}`` is where Cognito puts the code (required in each; used once here,
as the documentation shows it). SMS are plain ASCII (GSM-7), at most 140 characters.

Which of Cognito's messages can reach a customer with our flows:

- the **SMS MFA** code at a sign-in completed by SMS (after a recovery removed the authenticator
  app, or for a customer who prefers SMS): ``mfa_message``;
- a **verification** code (the code template, ``user_verification``): Cognito sends it when a
  customer asks it to verify an attribute with their own access token
  (``GetUserAttributeVerificationCode``), a public API of the app client. The service's own
  changes of email and phone set them verified, so they send nothing; Cognito's own password
  reset (``ForgotPassword``) is off (``account_recovery``: administrators only), so it sends
  none;
- **invitations** never: accounts are created with ``AdminCreateUser`` and
  ``MessageAction=SUPPRESS`` (``ongpt.customers.accounts``), so none is configured.

The local runtime texts the SMS MFA code with the template's ``SmsAuthenticationMessage``
(``local/cognito_rules.py``).
"""

from __future__ import annotations

CODE = "{####}"

MFA_SMS = (
    f"OnGPT: ma dang nhap cua ban (your sign-in code) la {CODE}. "
    "Khong chia se ma nay. Do not share it."
)
VERIFICATION_SMS = (
    f"OnGPT: ma xac minh cua ban (your verification code) la {CODE}. "
    "Khong chia se ma nay. Do not share it."
)
VERIFICATION_EMAIL_SUBJECT = "Mã xác minh OnGPT của bạn / Your OnGPT verification code"
VERIFICATION_EMAIL_BODY = (
    f"Mã xác minh của bạn (your verification code) là: {CODE}\n\n"
    "Không chia sẻ mã này với ai. Nếu bạn không yêu cầu mã, hãy bỏ qua thư này.\n\n"
    "Do not share this code with anyone. If you did not ask for it, ignore this message."
)
