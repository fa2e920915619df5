"""Plumbing and auth of the fake Commerce Engine server: routes under `/api/v1/{store_id}/storefront`,
the envelope and error shapes (commerce_engine.md §1.4-1.5), JWT-shaped tokens with expiry and
refresh-token rotation (§1.3, §5.1), users, the clock, per-endpoint call counting."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import itertools
import json
import re
import secrets
import time
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tests.fakes.base import Call, FakeServer, Fault, HttpError, Request, Response, route
from tests.fakes.commerce_engine import data

PREFIX = "/api/v1/{store_id}/storefront"
CENT = Decimal("0.01")
MSG_UNAUTHORIZED = "Not authorized for given operation on the Resource."

_ULID_CHARS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def D(value: Any) -> Decimal:  # noqa: N802 - short, like Decimal
    return value if isinstance(value, Decimal) else Decimal(str(value))


def num(value: Decimal) -> int | Decimal:
    """A money value for JSON: whole amounts as integers (200), others with paise (325.5 → 325.50)."""
    value = money(value)
    return int(value) if value == value.to_integral_value() else value


def ce_route(method: str, template: str):
    """Route `method` + `template` under the storefront prefix. `{name}` segments become named groups."""
    pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", PREFIX + template)
    return route(method, pattern)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class CoreServer(FakeServer):
    """State, tokens, envelope; the auth routes that need no OTP."""

    def __init__(
        self,
        *,
        store_id: str = data.STORE_ID,
        api_key: str = data.API_KEY,
        access_ttl: float = 3600,
        refresh_ttl: float = 30 * 24 * 3600,
        cart_ttl: float = 7 * 24 * 3600,
    ) -> None:
        super().__init__()
        self.store_id = store_id
        self.api_key = api_key
        self.access_ttl = access_ttl  # seconds; tests set a small value to force expiry
        self.refresh_ttl = refresh_ttl
        self.cart_ttl = cart_ttl
        self.clock_offset = 0.0  # seconds added to the real clock (advance())
        self._secret = secrets.token_bytes(16)
        self._seq = itertools.count(1)
        self.users: dict[str, dict[str, Any]] = {}
        self.access_tokens: dict[str, dict[str, Any]] = {}  # token → {user_id, exp, revoked}
        self.refresh_tokens: dict[str, dict[str, Any]] = {}  # token → {user_id, exp, used}
        # literal paths win over placeholders (GET /carts/available-coupons is not GET /carts/{id})
        self._routes.sort(key=lambda r: r[1].pattern.count("(?P<"))
        for customer in data.CUSTOMERS:
            self._add_customer(copy.deepcopy(customer))

    # ------------------------------------------------------------------ addresses and helpers
    @property
    def api_url(self) -> str:
        """What a merchant configures as the base URL: the API root up to `/api/v1`."""
        return f"{self.base_url}/api/v1"

    @property
    def storefront_url(self) -> str:
        return f"{self.base_url}{self.path('')}"

    def path(self, short: str) -> str:
        """`/carts` → `/api/v1/{store_id}/storefront/carts` (paths of the call log and faults)."""
        return PREFIX.replace("{store_id}", self.store_id) + short

    def _full(self, path: str) -> str:
        path = path.split("?", 1)[0]
        return path if path.startswith(("/api/", "/pay/")) else self.path(path)

    def calls_to(self, path: str, method: str | None = None) -> list[Call]:
        return super().calls_to(self._full(path), method)

    def fault(self, path: str, kind: str, **kwargs: Any) -> Fault:
        return super().fault(self._full(path), kind, **kwargs)

    def count_endpoint(self, method: str, template: str) -> int:
        """Calls to one endpoint whatever its ids: `count_endpoint("POST", "/carts/{id}/items")`."""
        parts = re.split(r"(\{\w+\})", template)
        pattern = re.compile(
            re.escape(self.path("")) + "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
        )
        with self._lock:
            return sum(1 for c in self.calls if c.method == method.upper() and pattern.fullmatch(c.path))

    def endpoint_counts(self) -> dict[str, int]:
        """{"POST /carts/{id}/items": 3, ...} over the whole call log, by route template."""
        templates = [(m, t, re.compile(p)) for m, t, p in self._templates()]
        out: dict[str, int] = {}
        with self._lock:
            for call in self.calls:
                name = next(
                    (f"{m} {t}" for m, t, p in templates if m == call.method and p.fullmatch(call.path)), None
                )
                name = name or f"{call.method} {call.path}"
                out[name] = out.get(name, 0) + 1
        return out

    def _templates(self) -> list[tuple[str, str, str]]:
        prefix = re.escape(self.path(""))
        rows = []
        for method, pattern, _name in self._class_routes:
            short = pattern.split("/storefront", 1)[-1] if "/storefront" in pattern else pattern
            template = re.sub(r"\(\?P<(\w+)>\[\^/\]\+\)", r"{\1}", short)
            regex = prefix + short if "/storefront" in pattern else pattern
            rows.append((method, template, regex))
        return rows

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.clock_offset)

    def epoch(self) -> float:
        return time.time() + self.clock_offset

    def advance(self, seconds: float) -> None:
        """Move the fake's clock forward (tokens and carts expire as if time had passed)."""
        with self._lock:
            self.clock_offset += seconds

    def new_id(self) -> str:
        """A ULID-like id: 26 Crockford base-32 characters, unique per server."""
        n = int(self.epoch() * 1000) << 80 | secrets.randbits(60) << 20 | next(self._seq) % (1 << 20)
        chars = []
        for _ in range(26):
            chars.append(_ULID_CHARS[n % 32])
            n //= 32
        return "".join(reversed(chars))

    # ------------------------------------------------------------------ envelope
    @staticmethod
    def ok(message: str, **content: Any) -> dict:
        return {"message": message, "success": True, "content": content}

    @staticmethod
    def fail(status: int, message: str, code: str, errors: Any = None) -> HttpError:
        body: dict[str, Any] = {"message": message, "success": False, "code": code}
        if errors is not None:
            body["errors"] = errors
        return HttpError(status, body)

    def fault_body(self, status: int) -> Any:
        codes = {401: "unauthorized", 404: "not_found", 429: "too_many_requests"}
        return {
            "message": f"Scripted failure {status}",
            "success": False,
            "code": codes.get(status, "server_error"),
        }

    def error_response(self) -> Response:
        return Response(500, {"message": "Internal server error", "success": False, "code": "server_error"})

    def not_found(self, call: Call) -> Response:
        return Response(404, {"message": f"Not found: {call.path}", "success": False, "code": "not_found"})

    def method_not_allowed(self, call: Call) -> Response:
        return Response(
            405,
            {"message": f"Method {call.method} not allowed", "success": False, "code": "method_not_allowed"},
        )

    def dispatch(self, call: Call) -> Response | dict | list:
        match = re.match(r"/api/v1/([^/]+)/storefront(/|$)", call.path)
        if match and match.group(1) != self.store_id:
            return Response(404, {"message": "Store not found", "success": False, "code": "store_not_found"})
        if call.json_error:
            return Response(
                400, {"message": "Request body is not valid JSON", "success": False, "code": "invalid_json"}
            )
        return super().dispatch(call)

    @staticmethod
    def body(req: Request) -> dict[str, Any]:
        return req.body if isinstance(req.body, dict) else {}

    # ------------------------------------------------------------------ users and tokens
    def _add_customer(self, record: dict[str, Any]) -> dict[str, Any]:
        user = self._user_record(
            record["id"],
            anonymous=False,
            first_name=record["first_name"],
            last_name=record["last_name"],
            email=record["email"],
            phone=record["phone"],
        )
        user.update(
            customer_id=record["customer_id"],
            points=int(record["points"]),
            credit=D(record["credit"]),
            addresses=record["addresses"],
            registered=True,
        )
        self.users[user["id"]] = user
        return user

    def _user_record(self, uid: str, *, anonymous: bool, **fields: Any) -> dict[str, Any]:
        stamp = iso(self.now())
        return {
            "id": uid,
            "anonymous": anonymous,
            "first_name": fields.get("first_name"),
            "last_name": fields.get("last_name"),
            "email": fields.get("email"),
            "phone": fields.get("phone"),
            "customer_id": None,
            "points": 0,
            "credit": Decimal(0),
            "addresses": [],
            "registered": False,
            "created_at": stamp,
            "modified_at": stamp,
        }

    def new_anonymous_user(self) -> dict[str, Any]:
        user = self._user_record(self.new_id(), anonymous=True)
        self.users[user["id"]] = user
        return user

    def user_json(self, user: dict[str, Any], *, logged_in: bool) -> dict[str, Any]:
        common = {
            "id": user["id"],
            "first_name": user["first_name"],
            "last_name": user["last_name"],
            "email": user["email"],
            "is_email_verified": bool(user["email"]) and not user["anonymous"],
            "phone": user["phone"],
            "is_phone_verified": bool(user["phone"]) and not user["anonymous"],
            "profile_image_url": None,
            "is_anonymous": user["anonymous"],
            "is_logged_in": logged_in,
            "created_at": user["created_at"],
            "modified_at": user["modified_at"],
        }
        if user["anonymous"]:
            return common  # AnonymousUser
        return {
            **common,
            "country_code": "+91",
            "login_methods": [m for m in ("email", "phone") if user[m]],
            "notification_preferences": None,
            "customer_group_id": None,
            "customer_id": user["customer_id"],
            "customer_group": None,
            "business": None,
        }

    def issue_tokens(self, user: dict[str, Any], *, logged_in: bool) -> dict[str, str]:
        now = self.epoch()
        claims = {
            "ulid": user["id"],
            "customer_id": user["customer_id"] if logged_in else None,
            "customer_group_id": None,
            "is_logged_in": logged_in,
            "is_anonymous": user["anonymous"],
            "anonymous_id": user["id"] if user["anonymous"] else None,
            "store_id": self.store_id,
            "email": user["email"],
            "phone": user["phone"],
            "username": user["email"] or user["phone"],
            "first_name": user["first_name"],
            "last_name": user["last_name"],
            "channel": "storefront",
            "iat": int(now),
            "exp": int(now + self.access_ttl),
            "jti": secrets.token_hex(8),
        }
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signature = _b64(hmac.new(self._secret, f"{header}.{payload}".encode(), hashlib.sha256).digest())
        access = f"{header}.{payload}.{signature}"
        refresh = secrets.token_urlsafe(32)
        self.access_tokens[access] = {
            "user_id": user["id"],
            "exp": now + self.access_ttl,
            "logged_in": logged_in,
            "revoked": False,
        }
        self.refresh_tokens[refresh] = {
            "user_id": user["id"],
            "exp": now + self.refresh_ttl,
            "logged_in": logged_in,
            "used": False,
        }
        return {"access_token": access, "refresh_token": refresh}

    def bearer(self, req: Request) -> tuple[dict[str, Any], dict[str, Any]]:
        """(user, token record) of the request's Bearer token, else 401 in the contract's shape."""
        header = req.headers.get("authorization", "")
        token = header[7:].strip() if header[:7].lower() == "bearer " else ""
        record = self.access_tokens.get(token)
        if not record or record["revoked"] or record["exp"] <= self.epoch():
            raise self.fail(401, MSG_UNAUTHORIZED, "unauthorized")
        return self.users[record["user_id"]], record

    def auth_user(self, req: Request) -> dict[str, Any]:
        return self.bearer(req)[0]

    def logged_in(self, req: Request) -> bool:
        return self.bearer(req)[1]["logged_in"]

    # test hooks
    def expire_access_tokens(self, user_id: str | None = None) -> int:
        """Make every live access token (or one user's) expired now; the JWT's `exp` claim is left as
        issued, so a client that trusts it finds out from the 401. Returns how many were expired."""
        with self._lock:
            hit = 0
            for record in self.access_tokens.values():
                if (user_id is None or record["user_id"] == user_id) and record["exp"] > self.epoch():
                    record["exp"] = self.epoch() - 1
                    hit += 1
            return hit

    def live_access_tokens(self) -> int:
        with self._lock:
            now = self.epoch()
            return sum(1 for r in self.access_tokens.values() if not r["revoked"] and r["exp"] > now)

    def decode(self, token: str) -> dict[str, Any]:
        """The claims of an access token this server issued (tests)."""
        payload = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))

    # ------------------------------------------------------------------ auth routes
    @ce_route("POST", "/auth/anonymous")
    def _anonymous(self, req: Request) -> dict:
        if req.headers.get("x-api-key") != self.api_key:
            raise self.fail(401, MSG_UNAUTHORIZED, "unauthorized")
        user = self.new_anonymous_user()
        return self.ok(
            "Anonymous user created",
            user=self.user_json(user, logged_in=False),
            **self.issue_tokens(user, logged_in=False),
        )

    @ce_route("POST", "/auth/refresh-token")
    def _refresh(self, req: Request) -> dict:
        token = self.body(req).get("refresh_token")
        if not isinstance(token, str) or not token:
            raise self.fail(
                400, "refresh_token is required", "validation_error", {"refresh_token": ["required"]}
            )
        record = self.refresh_tokens.get(token)
        if record is None:
            raise self.fail(404, "Refresh token not found", "not_found")
        if record["used"] or record["exp"] <= self.epoch():
            raise self.fail(400, "Refresh token is invalid or expired", "invalid_refresh_token")
        record["used"] = True  # rotation: this refresh token is spent
        user = self.users[record["user_id"]]
        return self.ok("Token refreshed", **self.issue_tokens(user, logged_in=record["logged_in"]))

    @ce_route("POST", "/auth/logout")
    def _logout(self, req: Request) -> dict:
        user, _record = self.bearer(req)
        for rec in self.access_tokens.values():
            if rec["user_id"] == user["id"]:
                rec["revoked"] = True
        for rec in self.refresh_tokens.values():
            if rec["user_id"] == user["id"]:
                rec["used"] = True
        anonymous = self.new_anonymous_user()
        return self.ok(
            "User logged out",
            user=self.user_json(anonymous, logged_in=False),
            **self.issue_tokens(anonymous, logged_in=False),
        )

    @ce_route("GET", "/auth/user/{id}")
    def _get_user(self, req: Request) -> dict:
        user, record = self.bearer(req)
        if req.args["id"] != user["id"]:
            raise self.fail(404, "User not found", "not_found")
        return self.ok("User details", user=self.user_json(user, logged_in=record["logged_in"]))

    @ce_route("PUT", "/auth/user/{id}")
    def _put_user(self, req: Request) -> dict:
        user, record = self.bearer(req)
        if req.args["id"] != user["id"] or not record["logged_in"]:
            raise self.fail(404, "User not found", "not_found")
        body = self.body(req)
        for key in ("first_name", "last_name", "email", "phone"):
            if key in body:
                if body[key] is not None and not isinstance(body[key], str):
                    raise self.fail(400, f"{key} must be text", "validation_error", {key: ["invalid"]})
                user[key] = body[key]
        user["modified_at"] = iso(self.now())
        return self.ok("User updated", user=self.user_json(user, logged_in=True))
