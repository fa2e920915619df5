"""The auth objects of storefront.http against a real, stateful HTTP server on 127.0.0.1.

`Upstream` plays both kinds of back end the auth objects are for: a Commerce Engine-like API
with per-shopper access tokens that expire and a refresh endpoint (`POST /auth/refresh-token`,
answers in `{success, message, content}`), and an EnKash-like API whose token comes from an OAuth
password grant (`POST /oauth/token`, plain JSON) and whose answers are `{payload, response_code,
response_message}`. It counts every call and records the headers each one carried.

(The server lives here rather than in tests/fakes/: it is small and only these tests need a
token issuer.)
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache

from storefront.envelopes import CommerceEngineEnvelope, EnKashEnvelope
from storefront.exceptions import (
    MSG_AUTH,
    MSG_SESSION_EXPIRED,
    ProviderAuthError,
    ProviderSessionExpired,
    ProviderUnavailable,
)
from storefront.http import (
    BearerTokens,
    OAuthPasswordGrant,
    ProviderHTTP,
    StaticHeaders,
    TokenPair,
    jwt_expiry,
)

CLIENT_ID = "client-7"
CLIENT_SECRET = "cs-SECRET-0f3a9c"
USERNAME = "9876543210"
PASSWORD = "pw-SECRET-hunter2"
COMPANY_ID = "CEK1234"

# --------------------------------------------------------------------------- the upstream


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes

    @property
    def bearer(self) -> str:
        return self.headers.get("authorization", "").removeprefix("Bearer ")

    def form(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Upstream:
    """Token state and the routes. Access tokens are accepted while in `access`; a refresh token
    is good once (refreshing rotates both)."""

    url: str = ""
    access: set[str] = field(default_factory=set)
    refresh: dict[str, int] = field(default_factory=dict)  # refresh token → generation
    issued: int = 0
    refresh_delay: float = 0.0
    refresh_status: int = 200
    token_status: int = 200
    token_delay: float = 0.0
    expires_in: int | None = 300
    reject_all: bool = False  # the API answers 401 to every token
    calls: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def calls_to(self, path: str) -> list[Seen]:
        with self.lock:
            return [c for c in self.calls if c.path == path]

    def grant(self, prefix: str) -> tuple[str, str]:
        with self.lock:
            self.issued += 1
            access, refresh = f"{prefix}-SECRET-{self.issued}", f"ref-SECRET-{self.issued}"
            self.access.add(access)
            self.refresh[refresh] = self.issued
        return access, refresh

    def revoke(self, access: str) -> None:
        with self.lock:
            self.access.discard(access)

    # ------------------------------------------------------------------ routes
    def handle(self, seen: Seen) -> tuple[int, dict]:
        with self.lock:
            self.calls.append(seen)
        if seen.path == "/auth/refresh-token":
            return self._refresh(seen)
        if seen.path == "/oauth/token":
            return self._password_grant(seen)
        return self._api(seen)

    def _refresh(self, seen: Seen) -> tuple[int, dict]:
        time.sleep(self.refresh_delay)
        token = json.loads(seen.body).get("refresh_token")
        with self.lock:
            known = self.refresh.pop(token, None)
        if self.refresh_status != 200 or known is None:
            return 400, {"success": False, "message": "Invalid refresh token", "code": "invalid_token"}
        access, refresh = self.grant("acc")
        content = {"access_token": access, "refresh_token": refresh}
        return 200, {"success": True, "message": "token refreshed", "content": content}

    def _password_grant(self, seen: Seen) -> tuple[int, dict]:
        time.sleep(self.token_delay)
        basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        form = seen.form()
        if self.token_status != 200:
            return self.token_status, {"error": "upstream says no"}
        if seen.headers.get("authorization") != f"Basic {basic}" or form.get("password") != PASSWORD:
            return 400, {"error": "invalid_grant", "error_description": "Bad credentials"}
        access, refresh = self.grant("tok")
        answer = {"access_token": access, "token_type": "bearer", "refresh_token": refresh, "scope": "read"}
        if self.expires_in is not None:
            answer["expires_in"] = self.expires_in
        return 200, answer

    def _api(self, seen: Seen) -> tuple[int, dict]:
        with self.lock:
            accepted = seen.bearer in self.access and not self.reject_all
        enkash = seen.path.startswith("/api/v0/")
        if not accepted:
            if enkash:
                return 401, {"payload": None, "response_code": 1, "response_message": "Unauthorized"}
            return 401, {"success": False, "message": "Not authorized", "code": "unauthorized"}
        if enkash:
            return 200, {"payload": {"balance": 120}, "response_code": 0, "response_message": "Success"}
        body = json.loads(seen.body) if seen.body else None
        return 200, {
            "success": True,
            "message": "cart details",
            "content": {"cart": {"id": "c1", "sent": body}},
        }


class LocalServer:
    """A threading HTTP/1.1 server that hands every request to `upstream.handle`."""

    def __init__(self, upstream: Upstream) -> None:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # noqa: A002 - keep test output quiet
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                seen = Seen(
                    method=self.command,
                    path=urlsplit(self.path).path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                status, answer = upstream.handle(seen)
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _serve

        class Server(ThreadingHTTPServer):
            daemon_threads = True

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    state = Upstream()
    server = LocalServer(state)
    state.url = server.url
    yield state
    server.stop()


class MemoryStore:
    """A shopper's token pair, shared by the threads of a test (the real one is a database row)."""

    def __init__(self, pair: TokenPair | None) -> None:
        self.pair = pair
        self.saved: list[TokenPair] = []
        self._lock = threading.Lock()

    def load(self) -> TokenPair | None:
        with self._lock:
            return self.pair

    def save(self, pair: TokenPair) -> None:
        with self._lock:
            self.pair = pair
            self.saved.append(pair)


def shopper_http(upstream: Upstream, store: MemoryStore, **kwargs) -> ProviderHTTP:
    auth = BearerTokens(store, lock_key="ce:1:shopper-42", **kwargs)
    return ProviderHTTP(
        base_url=upstream.url, timeout=(0.5, 2), auth=auth, envelope=CommerceEngineEnvelope(), name="ce:test"
    )


def shopper_pair(upstream: Upstream, *, expires_in: float) -> TokenPair:
    access, refresh = upstream.grant("acc")
    return TokenPair(access, refresh, time.time() + expires_in)


def oauth(upstream: Upstream, *, password: str = PASSWORD, **kwargs) -> OAuthPasswordGrant:
    return OAuthPasswordGrant(
        token_url=f"{upstream.url}/oauth/token",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        username=USERNAME,
        password=password,
        cache_key="enkash:1",
        extra_form={"clientId": COMPANY_ID},
        **kwargs,
    )


def service_http(upstream: Upstream, auth: OAuthPasswordGrant | None = None) -> ProviderHTTP:
    return ProviderHTTP(
        base_url=upstream.url,
        timeout=(0.5, 2),
        auth=auth or oauth(upstream),
        envelope=EnKashEnvelope(),
        name="enkash:test",
    )


def in_threads(count: int, work) -> tuple[list, list[BaseException]]:
    """Run `work()` in `count` threads released together; (results, errors)."""
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run() -> None:
        barrier.wait()
        try:
            results.append(work())
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    return results, errors


API = "/carts/c1"
BALANCE = "/api/v0/coins/balance"


# --------------------------------------------------------------------------- static headers


def test_static_credentials_refused_are_an_auth_error_after_one_call(upstream):
    http = ProviderHTTP(
        base_url=upstream.url,
        timeout=(0.5, 2),
        auth=StaticHeaders.bearer("static-SECRET"),
        envelope=CommerceEngineEnvelope(),
    )

    with pytest.raises(ProviderAuthError) as exc:
        http.json("GET", API)

    assert exc.value.user_message == MSG_AUTH
    assert len(upstream.calls) == 1  # nothing to refresh: staff must fix the credentials
    assert "static-SECRET" not in repr(http.auth)


# --------------------------------------------------------------------------- a shopper's bearer tokens


def test_ten_threads_with_an_expired_token_cause_exactly_one_refresh(upstream):
    upstream.refresh_delay = 0.3  # the refresh is slow: every thread arrives while it runs
    store = MemoryStore(shopper_pair(upstream, expires_in=-10))
    http = shopper_http(upstream, store)

    results, errors = in_threads(10, lambda: http.json("GET", API))

    assert errors == []
    assert [r["cart"]["id"] for r in results] == ["c1"] * 10
    assert len(upstream.calls_to("/auth/refresh-token")) == 1
    api_calls = upstream.calls_to(API)
    assert len(api_calls) == 10  # nobody sent the expired token
    assert {c.bearer for c in api_calls} == {store.pair.access_token}
    assert len(store.saved) == 1


def test_ten_threads_hitting_a_revoked_token_cause_exactly_one_refresh(upstream):
    upstream.refresh_delay = 0.3
    store = MemoryStore(shopper_pair(upstream, expires_in=3600))
    upstream.revoke(store.pair.access_token)  # valid by the clock, refused by the server
    http = shopper_http(upstream, store)

    results, errors = in_threads(10, lambda: http.json("GET", API))

    assert errors == []
    assert len(results) == 10
    assert len(upstream.calls_to("/auth/refresh-token")) == 1
    answered = [c for c in upstream.calls_to(API) if c.bearer == store.pair.access_token]
    assert len(answered) == 10


def test_a_401_refreshes_once_and_retries_once(upstream):
    store = MemoryStore(shopper_pair(upstream, expires_in=3600))
    old = store.pair
    upstream.revoke(old.access_token)
    http = shopper_http(upstream, store)

    cart = http.json("GET", API)

    assert cart["cart"]["id"] == "c1"
    assert [(c.method, c.path) for c in upstream.calls] == [
        ("GET", API),
        ("POST", "/auth/refresh-token"),
        ("GET", API),
    ]
    refresh = upstream.calls[1]
    assert json.loads(refresh.body) == {"refresh_token": old.refresh_token}
    assert "authorization" not in refresh.headers  # the refresh carries no (expired) token
    assert upstream.calls[0].bearer == old.access_token
    assert upstream.calls[2].bearer == store.pair.access_token != old.access_token
    assert store.pair.refresh_token != old.refresh_token  # rotated, and stored


def test_a_second_401_is_session_expired_for_the_caller(upstream):
    upstream.reject_all = True
    store = MemoryStore(shopper_pair(upstream, expires_in=3600))
    http = shopper_http(upstream, store)

    with pytest.raises(ProviderSessionExpired) as exc:
        http.json("GET", API)

    assert exc.value.user_message == MSG_SESSION_EXPIRED
    assert exc.value.upstream_status == 401
    assert not isinstance(exc.value, ProviderAuthError)  # not a staff problem
    assert [(c.method, c.path) for c in upstream.calls] == [
        ("GET", API),
        ("POST", "/auth/refresh-token"),
        ("GET", API),
    ]


def test_a_post_refused_with_401_is_sent_once_more_with_the_same_body(upstream):
    store = MemoryStore(shopper_pair(upstream, expires_in=3600))
    upstream.revoke(store.pair.access_token)
    http = shopper_http(upstream, store)

    cart = http.json("POST", API, json_body={"product_id": "p1", "variant_id": None, "quantity": 2})

    posts = [c for c in upstream.calls_to(API) if c.method == "POST"]
    assert len(posts) == 2  # the 401 did nothing upstream; the retry is the one that counts
    assert posts[0].body == posts[1].body
    assert cart["cart"]["sent"] == {"product_id": "p1", "variant_id": None, "quantity": 2}


def test_a_refused_refresh_token_is_session_expired(upstream):
    upstream.refresh_status = 400
    store = MemoryStore(shopper_pair(upstream, expires_in=-1))
    http = shopper_http(upstream, store)

    with pytest.raises(ProviderSessionExpired) as exc:
        http.json("GET", API)

    assert exc.value.upstream_status == 400
    assert [c.path for c in upstream.calls] == ["/auth/refresh-token"]


def test_ten_threads_on_a_refused_refresh_token_cause_one_refresh_call(upstream):
    upstream.refresh_delay = 0.3
    upstream.refresh_status = 400
    http = shopper_http(upstream, MemoryStore(shopper_pair(upstream, expires_in=-1)))

    results, errors = in_threads(10, lambda: http.json("GET", API))

    assert results == []
    assert len(errors) == 10
    assert all(isinstance(e, ProviderSessionExpired) for e in errors)
    assert len(upstream.calls_to("/auth/refresh-token")) == 1  # the waiters do not try it again


def test_no_token_at_all_is_session_expired_without_a_call(upstream):
    http = shopper_http(upstream, MemoryStore(None))

    with pytest.raises(ProviderSessionExpired):
        http.json("GET", API)

    assert upstream.calls == []


def test_a_token_is_refreshed_shortly_before_it_expires_and_not_earlier(upstream):
    store = MemoryStore(shopper_pair(upstream, expires_in=120))
    http = shopper_http(upstream, store, skew=60)

    http.json("GET", API)
    assert upstream.calls_to("/auth/refresh-token") == []  # 120 s left: used as it is

    store.pair = shopper_pair(upstream, expires_in=30)
    http.json("GET", API)
    assert len(upstream.calls_to("/auth/refresh-token")) == 1  # 30 s left, inside the skew
    assert upstream.calls[-1].bearer == store.pair.access_token
    assert store.pair.expires_at is None or store.pair.expires_at > time.time()


def jwt(claims: dict) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256'})}.{part(claims)}.c2lnbmF0dXJl"


def test_without_expires_at_the_jwt_exp_claim_decides(upstream):
    expired = jwt({"ulid": "u1", "exp": int(time.time()) - 5})
    with upstream.lock:
        upstream.access.add(expired)
        upstream.refresh["ref-jwt"] = 0
    store = MemoryStore(TokenPair(expired, "ref-jwt"))
    http = shopper_http(upstream, store)

    http.json("GET", API)

    assert [c.path for c in upstream.calls] == ["/auth/refresh-token", API]


def test_jwt_expiry_reads_exp_and_tolerates_anything_else():
    assert jwt_expiry(jwt({"exp": 1700000000})) == 1700000000.0
    assert jwt_expiry(jwt({"sub": "x"})) is None
    assert jwt_expiry("opaque-token") is None
    assert jwt_expiry("a.!!!.c") is None
    assert jwt_expiry(jwt({"exp": True})) is None


def test_a_refresh_running_in_another_process_is_waited_for_and_reused(upstream):
    store = MemoryStore(shopper_pair(upstream, expires_in=-1))
    http = shopper_http(upstream, store)
    lock_key = "bearer-refresh:ce:1:shopper-42"
    assert cache.add(lock_key, "another-process", timeout=10)

    def other_process_finishes() -> None:
        time.sleep(0.3)
        access, refresh = upstream.grant("acc")
        store.save(TokenPair(access, refresh, time.time() + 3600))
        cache.delete(lock_key)

    threading.Thread(target=other_process_finishes).start()
    http.json("GET", API)

    assert upstream.calls_to("/auth/refresh-token") == []  # we waited and re-read the store
    assert upstream.calls[-1].bearer == store.pair.access_token


def test_a_lock_left_by_a_dead_process_expires_and_is_taken_over(upstream):
    store = MemoryStore(shopper_pair(upstream, expires_in=-1))
    http = shopper_http(upstream, store)
    cache.add("bearer-refresh:ce:1:shopper-42", "dead-process", timeout=1)

    started = time.monotonic()
    http.json("GET", API)

    assert 0.8 < time.monotonic() - started < http.lock_hold + 1
    assert len(upstream.calls_to("/auth/refresh-token")) == 1


def test_a_token_pair_round_trips_through_a_string_store_and_never_shows_its_tokens():
    pair = TokenPair("acc-SECRET", "ref-SECRET", 1700000000.5)

    assert TokenPair.from_dict(pair.to_dict()) == pair
    assert all(isinstance(v, str) for v in pair.to_dict().values())
    assert TokenPair.from_dict({}) is None
    assert TokenPair.from_dict({"access_token": "a", "expires_at": "soon"}) == TokenPair("a")
    assert "SECRET" not in repr(pair) + str(pair)


# --------------------------------------------------------------------------- our OAuth password grant


def test_the_oauth_token_is_fetched_once_and_reused(upstream):
    http = service_http(upstream)

    answers = [http.json("GET", BALANCE) for _ in range(3)]

    assert answers == [{"balance": 120}] * 3
    (token_call,) = upstream.calls_to("/oauth/token")
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert token_call.method == "POST"
    assert token_call.headers["authorization"] == f"Basic {basic}"
    assert token_call.headers["content-type"] == "application/x-www-form-urlencoded"
    assert token_call.form() == {
        "grant_type": "password",
        "username": USERNAME,
        "password": PASSWORD,
        "clientId": COMPANY_ID,
    }
    assert {c.bearer for c in upstream.calls_to(BALANCE)} == {"tok-SECRET-1"}


def test_the_token_is_shared_by_every_client_of_the_account(upstream):
    service_http(upstream).json("GET", BALANCE)
    service_http(upstream).json("GET", BALANCE)  # another process: same cache, same credentials

    assert len(upstream.calls_to("/oauth/token")) == 1


def test_the_cached_token_is_encrypted_at_rest(upstream):
    grant = oauth(upstream)
    service_http(upstream, grant).json("GET", BALANCE)

    entry = cache.get(grant._token_key)
    assert entry is not None and "tok-SECRET" not in repr(entry)
    assert len(upstream.calls_to("/oauth/token")) == 1


def test_ten_threads_without_a_token_make_one_token_call(upstream):
    upstream.token_delay = 0.3
    http = service_http(upstream)

    results, errors = in_threads(10, lambda: http.json("GET", BALANCE))

    assert errors == []
    assert len(results) == 10
    assert len(upstream.calls_to("/oauth/token")) == 1
    assert len(upstream.calls_to(BALANCE)) == 10


@pytest.mark.parametrize("status", [400, 401, 403])
def test_a_4xx_from_the_token_endpoint_is_an_auth_error_after_exactly_one_token_call(upstream, status):
    upstream.token_status = status
    http = service_http(upstream)

    with pytest.raises(ProviderAuthError) as exc:
        http.json("GET", BALANCE)

    assert exc.value.user_message == MSG_AUTH
    assert exc.value.upstream_status == status
    assert len(upstream.calls_to("/oauth/token")) == 1
    assert upstream.calls_to(BALANCE) == []


def test_refused_credentials_are_not_tried_again_until_they_change(upstream):
    http = service_http(upstream, oauth(upstream, password="wrong-SECRET"))

    for _ in range(3):  # three page views must not become three failed logins (the account locks)
        with pytest.raises(ProviderAuthError):
            http.json("GET", BALANCE)
    assert len(upstream.calls_to("/oauth/token")) == 1

    fixed = service_http(upstream, oauth(upstream))  # staff corrected the password
    assert fixed.json("GET", BALANCE) == {"balance": 120}
    assert len(upstream.calls_to("/oauth/token")) == 2


@pytest.mark.parametrize("status", [500, 503, 429])
def test_a_token_endpoint_that_is_down_is_unavailable_and_is_tried_again_later(upstream, status):
    upstream.token_status = status
    http = service_http(upstream)

    with pytest.raises(ProviderUnavailable):
        http.json("GET", BALANCE)
    assert len(upstream.calls_to("/oauth/token")) == 1  # a POST: never repeated by us

    upstream.token_status = 200
    assert http.json("GET", BALANCE) == {"balance": 120}
    assert len(upstream.calls_to("/oauth/token")) == 2


def test_the_token_is_reused_until_shortly_before_it_expires(upstream):
    now = [1_000_000.0]
    http = service_http(upstream, oauth(upstream, skew=30, clock=lambda: now[0]))
    upstream.expires_in = 300

    http.json("GET", BALANCE)
    for later in (100, 200, 269):
        now[0] = 1_000_000.0 + later
        http.json("GET", BALANCE)
    assert len(upstream.calls_to("/oauth/token")) == 1

    now[0] = 1_000_000.0 + 271  # within 30 s of expiry: a new token before the call
    http.json("GET", BALANCE)
    assert len(upstream.calls_to("/oauth/token")) == 2
    assert upstream.calls[-1].bearer == "tok-SECRET-2"


def test_without_expires_in_the_default_lifetime_applies(upstream):
    now = [1_000_000.0]
    upstream.expires_in = None
    http = service_http(upstream, oauth(upstream, skew=30, default_lifetime=300, clock=lambda: now[0]))

    http.json("GET", BALANCE)
    now[0] += 265
    http.json("GET", BALANCE)
    now[0] += 10
    http.json("GET", BALANCE)

    assert len(upstream.calls_to("/oauth/token")) == 2


def test_a_401_with_our_token_gets_a_new_token_once_and_retries_once(upstream):
    http = service_http(upstream)
    http.json("GET", BALANCE)
    upstream.revoke("tok-SECRET-1")

    assert http.json("GET", BALANCE) == {"balance": 120}

    assert [c.path for c in upstream.calls] == ["/oauth/token", BALANCE, BALANCE, "/oauth/token", BALANCE]
    assert upstream.calls[-1].bearer == "tok-SECRET-2"


def test_a_second_401_with_a_new_token_is_an_auth_error(upstream):
    upstream.reject_all = True
    http = service_http(upstream)

    with pytest.raises(ProviderAuthError) as exc:
        http.json("GET", BALANCE)

    assert not isinstance(exc.value, ProviderSessionExpired)
    assert [c.path for c in upstream.calls] == ["/oauth/token", BALANCE, "/oauth/token", BALANCE]


# --------------------------------------------------------------------------- secrets


def test_no_secret_reaches_the_logs_reprs_or_errors(upstream, caplog):
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []

    service = service_http(upstream)
    service.json("GET", BALANCE)  # a password grant and a call
    upstream.revoke("tok-SECRET-1")
    service.json("GET", BALANCE)  # a 401, a new token, a retry
    try:
        service_http(upstream, oauth(upstream, password="wrong-SECRET")).json("GET", BALANCE)
    except ProviderAuthError as exc:
        errors.append(exc)

    store = MemoryStore(shopper_pair(upstream, expires_in=-1))
    shopper = shopper_http(upstream, store)
    shopper.json("GET", API)  # a refresh and a call
    upstream.reject_all = True
    try:
        shopper.json("GET", API)
    except ProviderSessionExpired as exc:
        errors.append(exc)

    assert len(errors) == 2
    shown = caplog.text + "".join(f"{e!s}{e!r}" for e in errors)
    shown += repr(service.auth) + repr(shopper.auth) + repr(store.pair) + repr(service)
    secrets = [
        CLIENT_SECRET,
        PASSWORD,
        "wrong-SECRET",
        USERNAME,
        base64.b64encode(CLIENT_SECRET.encode()).decode(),
    ]
    secrets += [
        f"{CLIENT_ID}:{CLIENT_SECRET}",
        base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode(),
    ]
    assert "SECRET" not in shown  # no access token, refresh token, secret or password
    for secret in secrets:
        assert secret not in shown
    assert "/oauth/token" in caplog.text  # the calls were logged, without their secrets
