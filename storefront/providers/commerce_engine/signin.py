"""Commerce Engine customers signing in with a one-time code (contract §1.3, §2.1).

`otp_start`: `POST /auth/login/phone` {phone (10 digits), country_code +91,
register_if_not_exists} or `/auth/login/email` {email, register_if_not_exists}, with the shopper's
anonymous token (a new anonymous user when they have none): `otp_token`, `otp_action`, kept
encrypted in the session (never in the page). `otp_verify`: `POST /auth/verify-otp` {otp,
otp_token, otp_action} answers a NEW token pair and the logged-in `user`; the pair waits in the
session (encrypted) until the storefront has signed the user in, and `merge_carts` (the sign-in
hook) puts it on their shopper link and brings the guest cart along (contract §1.3: their cart
by user id; re-created with the guest's lines when they have none).
"""

from __future__ import annotations

import re

from storefront.exceptions import NotFound, ProviderRejected
from storefront.providers import readers
from storefront.providers.base import CartContext
from storefront.providers.types import OtpChallenge, ProviderIdentity

from .orders import CommerceEngineOrders
from .tokens import SessionTokens, pair_blob

CHANNELS = ("phone", "email")
PHONE_RE = re.compile(r"^[6-9]\d{9}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

MSG_PHONE = "Enter a 10-digit mobile number."
MSG_EMAIL = "Enter a valid email address."
MSG_OTP_AGAIN = "That code has expired. Ask for a new one."
MSG_OTP_WRONG = "That code isn't right. Check it and try again."
MSG_OTP_FORMAT = "Enter the code we sent you."


def clean_phone(value: str) -> str:
    digits = re.sub(r"\D", "", value or "")
    if len(digits) == 12 and digits.startswith("91"):
        digits = digits[2:]
    elif len(digits) == 11 and digits.startswith("0"):
        digits = digits[1:]
    if not PHONE_RE.match(digits):
        raise ProviderRejected(MSG_PHONE, field="value")
    return digits


def mask(channel: str, value: str) -> str:
    if channel == "phone":
        return f"+91 ••••• {value[-5:]}"
    name, _, domain = value.partition("@")
    return f"{name[:2]}•••@{domain}"


class CommerceEngineSignIn(CommerceEngineOrders):
    def otp_start(self, ctx: CartContext, *, channel: str, value: str) -> OtpChallenge:
        if channel not in CHANNELS:
            raise ProviderRejected(MSG_PHONE, field="channel")
        if channel == "phone":
            value = clean_phone(value)
        else:
            value = (value or "").strip().lower()
            if not EMAIL_RE.match(value) or len(value) > 254:
                raise ProviderRejected(MSG_EMAIL, field="value")
        guest = CartContext(session=ctx.session, session_key=ctx.session_key)
        answer = self._as(guest, lambda s: self.client.login_otp(s.auth, channel=channel, value=value))
        token = readers.as_str(readers.as_dict(answer).get("otp_token"))
        if not token:
            raise ProviderRejected(MSG_OTP_AGAIN)
        action = readers.as_str(answer.get("otp_action")) or "login"
        SessionTokens(ctx.session, self.otp_key).write(
            {"otp_token": token, "otp_action": action, "channel": channel}
        )
        return OtpChallenge(channel=channel, destination=mask(channel, value))

    def otp_verify(self, ctx: CartContext, *, otp: str) -> ProviderIdentity:
        otp = re.sub(r"\s", "", otp or "")
        if not otp.isdigit() or not 4 <= len(otp) <= 8:
            raise ProviderRejected(MSG_OTP_FORMAT, field="otp")
        pending = SessionTokens(ctx.session, self.otp_key)
        started = pending.read()
        if not started.get("otp_token"):
            raise ProviderRejected(MSG_OTP_AGAIN, field="otp")
        guest = CartContext(session=ctx.session, session_key=ctx.session_key)
        try:
            answer = self._as(
                guest,
                lambda s: self.client.verify_otp(
                    s.auth,
                    otp=otp,
                    otp_token=started["otp_token"],
                    otp_action=started.get("otp_action", "login"),
                ),
            )
        except NotFound as exc:
            pending.clear()
            raise ProviderRejected(MSG_OTP_AGAIN, field="otp") from exc
        except ProviderRejected as exc:
            raise ProviderRejected(
                exc.user_message if exc.upstream_status else MSG_OTP_WRONG, field="otp"
            ) from exc
        answer = readers.as_dict(answer)
        user = readers.as_dict(answer.get("user"))
        blob = pair_blob(answer)
        if not blob.get("access_token") or not blob.get("user_id"):
            raise ProviderRejected(MSG_OTP_WRONG, field="otp")
        blob["logged_in"] = "1"
        pending.clear()
        SessionTokens(ctx.session, self.signed_in_key).write(blob)
        return ProviderIdentity(
            external_id=blob["user_id"],
            channel=started.get("channel", "phone"),
            email=readers.as_str(user.get("email")).lower(),
            email_verified=readers.as_bool(user.get("is_email_verified"), False),
            phone=readers.as_str(user.get("phone")),
            first_name=readers.as_str(user.get("first_name")),
            last_name=readers.as_str(user.get("last_name")),
        )
