"""OTP sign-in of the fake Commerce Engine server (commerce_engine.md §1.3, §2.1): login with phone,
email or WhatsApp, generate-otp, verify-otp returning a logged-in user and a new token pair, and the
anonymous cart carried over to the customer (SIM, §1.3 leaves it open)."""

from __future__ import annotations

import re
import secrets
from typing import Any

from tests.fakes.base import HttpError, Request
from tests.fakes.commerce_engine.core import ce_route
from tests.fakes.commerce_engine.redemptions import RedemptionServer

OTP_ACTIONS = (
    "login",
    "register",
    "reset-password",
    "verify-phone",
    "verify-email",
    "update-phone",
    "update-email",
)
OTP_TTL = 300  # seconds (SIM)
OTP_ATTEMPTS = 5  # wrong codes before the otp_token is spent (SIM)


class OtpServer(RedemptionServer):
    """SIM choices: codes are six random digits (``fixed_otp`` pins one); ``x-debug-mode: true`` echoes
    it as ``content.otp`` (the spec does not name the key); a wrong code → 400 ``invalid_otp``, five of
    them or an old token → 400 ``otp_expired``. Login for an unknown phone/email → 404 unless
    ``register_if_not_exists`` (then ``otp_action`` is ``register`` and verify creates the customer).
    ``carry_cart`` "merge" (default): at verify, the anonymous caller's active cart becomes the
    customer's (moved when the customer has none, else its lines are added to the customer's cart and
    it is closed); "none" leaves it with the anonymous user."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fixed_otp: str | None = None
        self.carry_cart = "merge"
        self.otps: dict[str, dict[str, Any]] = {}  # otp_token → pending OTP
        self.sent: list[dict[str, str]] = []  # every OTP "sent": channel, to, otp (tests read it)

    # ------------------------------------------------------------------ test hooks
    def otp_for(self, to: str) -> str:
        """The last OTP sent to a phone number or email."""
        with self._lock:
            return next(s["otp"] for s in reversed(self.sent) if s["to"] == to)

    # ------------------------------------------------------------------ helpers
    def _send_otp(
        self, req: Request, *, channel: str, to: str, action: str, user_id: str | None, extra: dict
    ) -> dict:
        _caller, token = self.bearer(req)
        otp = self.fixed_otp or f"{secrets.randbelow(10**6):06d}"
        otp_token = secrets.token_urlsafe(24)
        self.otps[otp_token] = {
            "otp": otp,
            "action": action,
            "channel": channel,
            "to": to,
            "user_id": user_id,
            "caller_id": token["user_id"],
            "exp": self.epoch() + OTP_TTL,
            "attempts": 0,
            **extra,
        }
        self.sent.append({"channel": channel, "to": to, "otp": otp})
        content: dict[str, Any] = {"otp_token": otp_token, "otp_action": action}
        if req.headers.get("x-debug-mode", "").lower() == "true":
            content["otp"] = otp
        return self.ok("OTP sent successfully", **content)

    def _phone(self, body: dict[str, Any]) -> str:
        phone = str(body.get("phone") or "")
        if not re.fullmatch(r"\d{10}", phone):
            raise self.fail(
                400, "Enter a 10-digit phone number without the country code.", "validation_error"
            )
        if body.get("country_code") not in (None, "+91"):
            raise self.fail(400, "country_code must be +91", "validation_error")
        return phone

    def _email(self, body: dict[str, Any]) -> str:
        email = str(body.get("email") or "").strip().lower()
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            raise self.fail(400, "Enter a valid email address.", "validation_error")
        return email

    def _registered(self, key: str, value: str) -> dict[str, Any] | None:
        return next(
            (u for u in self.users.values() if u["registered"] and (u[key] or "").lower() == value), None
        )

    def _login(self, req: Request, channel: str, key: str, value: str) -> dict:
        body = self.body(req)
        user = self._registered(key, value)
        if user is None and not body.get("register_if_not_exists"):
            raise self.fail(404, "No account found. Please register first.", "not_found")
        action = "login" if user else "register"
        return self._send_otp(
            req, channel=channel, to=value, action=action, user_id=user and user["id"], extra={"key": key}
        )

    # ------------------------------------------------------------------ routes
    @ce_route("POST", "/auth/login/phone")
    def _login_phone(self, req: Request) -> dict:
        return self._login(req, "sms", "phone", self._phone(self.body(req)))

    @ce_route("POST", "/auth/login/whatsapp")
    def _login_whatsapp(self, req: Request) -> dict:
        return self._login(req, "whatsapp", "phone", self._phone(self.body(req)))

    @ce_route("POST", "/auth/login/email")
    def _login_email(self, req: Request) -> dict:
        return self._login(req, "email", "email", self._email(self.body(req)))

    @ce_route("POST", "/auth/generate-otp")
    def _generate_otp(self, req: Request) -> dict:
        body = self.body(req)
        channel, action = body.get("channel"), body.get("otp_action")
        if channel in ("sms", "whatsapp"):
            key, value = "phone", self._phone(body)
            allowed = ("register", "reset-password", "verify-phone", "update-phone")
        elif channel == "email":
            key, value = "email", self._email(body)
            allowed = ("register", "reset-password", "verify-email", "update-email")
        else:
            raise self.fail(400, "channel must be sms, whatsapp or email", "validation_error")
        if action not in allowed:
            raise self.fail(400, f"otp_action must be one of {', '.join(allowed)}", "validation_error")
        user = self._registered(key, value)
        if action == "register" and user is not None:
            raise self.fail(400, "An account already exists. Please log in.", "user_exists")
        if action != "register" and not action.startswith("update") and user is None:
            raise self.fail(404, "No account found. Please register first.", "not_found")
        return self._send_otp(
            req, channel=channel, to=value, action=action, user_id=user and user["id"], extra={"key": key}
        )

    @ce_route("POST", "/auth/verify-otp")
    def _verify_otp(self, req: Request) -> dict:
        body = self.body(req)
        missing = [k for k in ("otp", "otp_token", "otp_action") if not body.get(k)]
        if missing:
            raise self.fail(
                400, f"{', '.join(missing)} required", "validation_error", {k: ["required"] for k in missing}
            )
        if body["otp_action"] not in OTP_ACTIONS:
            raise self.fail(400, "otp_action is not valid", "validation_error")
        pending = self.otps.get(str(body["otp_token"]))
        if pending is None or pending["exp"] <= self.epoch() or pending["attempts"] >= OTP_ATTEMPTS:
            raise self.fail(400, "This OTP has expired. Please ask for a new one.", "otp_expired")
        if body["otp_action"] != pending["action"]:
            raise self.fail(400, "otp_action does not match the OTP request", "validation_error")
        if str(body["otp"]) != pending["otp"]:
            pending["attempts"] += 1
            raise self.fail(400, "The OTP you entered is incorrect.", "invalid_otp")
        del self.otps[str(body["otp_token"])]
        user = self.users.get(pending["user_id"]) if pending["user_id"] else None
        if user is None:  # register
            user = self._user_record(self.new_id(), anonymous=False, **{pending["key"]: pending["to"]})
            user.update(customer_id=self.new_id(), registered=True)
            self.users[user["id"]] = user
        if pending["action"] in ("login", "register"):
            caller = self.users.get(pending["caller_id"])
            if caller is not None and caller["anonymous"] and self.carry_cart == "merge":
                self.carry_over(caller, user)
        return self.ok(
            "OTP verified successfully",
            user=self.user_json(user, logged_in=True),
            **self.issue_tokens(user, logged_in=True),
        )

    def carry_over(self, anonymous: dict[str, Any], customer: dict[str, Any]) -> None:
        cart = self.active_cart_of(anonymous["id"])
        if cart is None or not cart["lines"]:
            return
        target = self.active_cart_of(customer["id"])
        if target is None:
            cart["user_id"] = customer["id"]
            self.revalidate(cart)
            return
        for line in cart["lines"]:
            have = next(
                (
                    x
                    for x in target["lines"]
                    if (x["product_id"], x["variant_id"]) == (line["product_id"], line["variant_id"])
                ),
                None,
            )
            want = (have["quantity"] if have else 0) + line["quantity"]
            item = {"product_id": line["product_id"], "variant_id": line["variant_id"], "quantity": want}
            try:
                self.set_line(target, item)
            except HttpError:  # a line that breaks the rules (max, stock) is skipped
                continue
        if cart.get("coupon") and not target.get("coupon"):
            target["coupon"] = cart["coupon"]
        cart["active"] = False
        self.revalidate(target)
