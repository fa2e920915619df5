"""Where a shopper's cart handle lives: server-side, in the Django session, never in a URL."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import CreateError, SessionBase
from django.core.cache import cache
from django.utils.crypto import salted_hmac

from storefront.links import shopper_link_get
from storefront.providers import get_shop_provider
from storefront.providers.base import CartContext, Person
from storefront.providers.types import Capability, Cart

from .assist import PREFIX as ASSIST_PREFIX
from .assist import Assist, assisting

CART_ID = "cart:id"
BUY_NOW_ID = "cart:buy-now-id"
PINCODE = "cart:pincode"
# The header badge's count lives in a cookie, not in the session: a quantity change then costs no
# session write (a database write with cached_db sessions, and a lock wait on SQLite). It is only
# what the provider last reported, shown to this browser; a tampered value changes nothing else.
BADGE_COOKIE = "cart_count"
BADGE_MAX = 9999


# A new visitor's browser gets a random id in this cookie with the first page it is shown (no
# database write: just the cookie). Two tabs that add their first items at the same moment both
# carry it, though neither has a session cookie yet; the session their cart lives in is then
# named after it (start_session), so both adds land in one session and one cart instead of two
# sessions of which the browser keeps the last.
VISITOR_COOKIE = "visitor"
VISITOR_RE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
_VISITOR_SALT = "carts.session.visitor"


# The first add of a session whose cart the provider creates upstream (Fynd, SourceHub, Commerce
# Engine: the cart id comes back in the add's answer) is done under a short per-session lock in
# the cache: two tabs adding at the same instant would otherwise each create a cart, and the
# session would keep the last. The loser waits for the winner, re-reads the session and adds to
# the winner's cart. `cache.add` is atomic in Redis and in locmem (per process: production runs
# Redis, see the README). The lock outlives a provider call's connect+read timeouts; a loser
# waits at most FIRST_ADD_WAIT seconds, then adds on its own (as before the lock).
FIRST_ADD_LOCK_SECONDS = 30
FIRST_ADD_WAIT = 20.0
FIRST_ADD_POLL = 0.05

logger = logging.getLogger("storefront.carts")


def new_visitor_id() -> str:
    return secrets.token_urlsafe(32)


def start_session(request, session: SessionBase) -> SessionBase:
    """The session a first cart write saves into, race-safe for a new visitor: named by an HMAC of
    the visitor cookie, created with `must_create` (the sessions table's primary key lets one
    request win); the request that loses takes the winner's session. Without the cookie (a client
    that never saw a page) a random session, as before. Returns the request's session now."""
    visitor = request.COOKIES.get(VISITOR_COOKIE, "") if request is not None else ""
    if session.session_key is not None or not VISITOR_RE.match(visitor):
        if session.session_key is None:
            session.save()
        return session
    store = import_module(settings.SESSION_ENGINE).SessionStore
    key = salted_hmac(_VISITOR_SALT, visitor, algorithm="sha256").hexdigest()[:32]
    started = store(session_key=key)
    # saved before anything is read from it: reading a session that does not exist yet gives it
    # a random key (Django's guard against fixation), which is what this must not do
    with contextlib.suppress(CreateError):
        started.save(must_create=True)  # else another request of this browser started it just now
    # join it, keeping what this request had put in its own (so far unsaved) session
    started = store(session_key=key)
    for name, value in session.items():
        if name not in started:
            started[name] = value
    request.session = started
    request.visitor_used = True
    return started


def badge_count(request) -> int:
    """The count this request set, else the browser's cookie (0 when missing or unreadable)."""
    count = getattr(request, "cart_count", None)
    if count is not None:
        return count
    raw = request.COOKIES.get(BADGE_COOKIE, "") if hasattr(request, "COOKIES") else ""
    return int(raw) if raw.isdigit() and int(raw) <= BADGE_MAX else 0


def person_for(user, *, link=None) -> Person | None:
    if user is None or not user.is_authenticated:
        return None
    return Person(
        id=str(user.pk),
        email=user.email,
        name=user.get_full_name(),
        external_id=link.external_id if link else "",
        approval=link.approval if link else "",
    )


BUY_NOW_PARAM = "buy-now"  # forms on the buy-now checkout carry cart=buy-now


@dataclass
class CartSession:
    """The shopper's carts as the session knows them. `buy_now` picks the separate buy-now cart,
    which forms on the buy-now checkout name with a `cart=buy-now` field.

    While a member of staff assists a customer (carts.assist), `user` is the customer, the cart's
    owner, `acting_user` the staff member and `assist` the assist; the customer's cart handles
    live under their own session keys (`prefix`), apart from the staff member's own cart."""

    session: SessionBase
    user: object = None  # the cart's owner (None or anonymous: a guest)
    buy_now: bool = False
    acting_user: object = None  # a member of staff acting for the owner, else None
    shop: Any = field(default=None, repr=False)  # the request's provider (request.shop)
    request: Any = field(default=None, repr=False)  # where the badge count goes (a cookie)
    assist: Assist | None = field(default=None, repr=False)
    prefix: str = ""  # the session keys' prefix: "assist:" for an assisted customer's cart
    _count: int | None = field(default=None, init=False, repr=False)
    _owner: Person | None = field(default=None, init=False, repr=False)

    @classmethod
    def of(cls, request, *, buy_now: bool | None = None) -> CartSession:
        if buy_now is None:
            buy_now = BUY_NOW_PARAM in (request.POST.get("cart"), request.GET.get("cart"))
        assist = assisting(request)
        if assist is not None:
            return cls(
                session=request.session,
                user=assist.customer,
                buy_now=buy_now,
                acting_user=assist.staff,
                shop=getattr(request, "shop", None),
                request=request,
                assist=assist,
                prefix=ASSIST_PREFIX,
            )
        return cls(
            session=request.session,
            user=getattr(request, "user", None),
            buy_now=buy_now,
            shop=getattr(request, "shop", None),
            request=request,
        )

    def start(self) -> None:
        """Make sure the browser session exists before the cart is tied to it (start_session)."""
        if self.session.session_key is None:
            self.session = start_session(self.request, self.session)

    def _key(self, name: str) -> str:
        return self.prefix + name

    @contextlib.contextmanager
    def first_cart(self) -> Iterator[None]:
        """Around a cart write that may create the cart (the first add): while no cart id is in
        the session, one request of this session at a time. The winner keeps the new cart id in
        the session store before it lets go, so the loser finds it when it re-reads the session
        (adopt_stored_cart) and adds to that cart instead of creating a second one. A cache that
        cannot be reached never stops an add: it goes ahead without the lock (logged)."""
        key = self._key(BUY_NOW_ID if self.buy_now else CART_ID)
        session_key = self.session.session_key
        if self.session.get(key) or not session_key:
            yield
            return
        digest = hashlib.sha256(f"{session_key}:{key}".encode()).hexdigest()[:40]
        lock = f"cart:first-add:{digest}"
        token = secrets.token_hex(8)
        if not self._take_first_add_lock(lock, token, key):
            yield  # another request made the cart (now in this session), or no lock to be had
            return
        try:
            # a request that finished just before this one took the lock may have made the cart
            made = self.adopt_stored_cart(key)
            yield
            if not made and self.session.get(key):
                self.session.save()  # where the loser reads it, before the lock goes
        finally:
            with contextlib.suppress(Exception):  # the lock expires by itself
                if cache.get(lock) == token:
                    cache.delete(lock)

    def _take_first_add_lock(self, lock: str, token: str, key: str) -> bool:
        """True when this request holds the lock; False when it should add without it: the cart
        another request of this session made is now in this session, or waiting took too long,
        or the cache cannot be reached."""
        deadline = time.monotonic() + FIRST_ADD_WAIT
        try:
            while not cache.add(lock, token, FIRST_ADD_LOCK_SECONDS):
                # another request of this session is creating the cart: wait for it to finish
                while cache.get(lock) is not None and time.monotonic() < deadline:
                    time.sleep(FIRST_ADD_POLL)
                if self.adopt_stored_cart(key):
                    return False
                if time.monotonic() >= deadline:
                    logger.warning(
                        "first add: waited %.0fs for this session's cart; adding alone", FIRST_ADD_WAIT
                    )
                    return False
                # the other request ended without a cart: this one tries to create it
        except Exception:  # noqa: BLE001 - a cache outage must not stop a shopper adding
            logger.warning("first add: the cache cannot be reached; adding without the lock", exc_info=True)
            return False
        return True

    def adopt_stored_cart(self, key: str) -> bool:
        """Take the cart id (and anything else this request lacks) from the session as stored now
        by another request of this browser. True when a cart id was found. Only for a request
        that has not itself dropped the cart id (none does before adding: after an order the
        session is saved without it)."""
        store = import_module(settings.SESSION_ENGINE).SessionStore
        stored = store(session_key=self.session.session_key)
        for name, value in stored.items():
            if name == key or name not in self.session:
                self.session[name] = value
        return bool(self.session.get(key))

    @property
    def provider(self):
        """The shop provider, resolved once for this cart session (from the request when the
        middleware resolved it there)."""
        if self.shop is None:
            self.shop = get_shop_provider()
        return self.shop

    def context(self, *, buy_now: bool | None = None, with_payment_charges: bool = False) -> CartContext:
        buy_now = self.buy_now if buy_now is None else buy_now
        acting = person_for(self.acting_user)
        staff_user = ""
        if self.assist is not None:
            staff_user = self.assist.staff_name
        elif acting is not None:
            staff_user = acting.name or acting.email
        return CartContext(
            cart_id=self.session.get(self._key(BUY_NOW_ID if buy_now else CART_ID)),
            customer=self.owner,
            pincode=self.session.get(self._key(PINCODE), ""),
            buy_now=buy_now,
            acting_user=acting,
            staff_user=staff_user,
            session_key=self.session.session_key or "",
            with_payment_charges=with_payment_charges,
            session=self.session,
            origin=self._origin(),
        )

    def _origin(self) -> str:
        if self.request is None or not hasattr(self.request, "get_host"):
            return ""
        try:
            return f"{self.request.scheme}://{self.request.get_host()}"
        except Exception:  # noqa: BLE001 - a host Django refuses (DisallowedHost) gives no origin
            return ""

    @property
    def owner(self) -> Person | None:
        """The cart's owner, with their link to the provider's own customer record when the
        provider keeps one (one query per cart session, only for such providers)."""
        if self.user is None or not getattr(self.user, "is_authenticated", False):
            return None
        if self._owner is not None and self._owner.id == str(self.user.pk):
            return self._owner
        link = None
        if Capability.SHOPPER_LINKS in self.provider.capabilities:
            link = shopper_link_get(user=self.user, account=self.provider.account)
        self._owner = person_for(self.user, link=link)
        return self._owner

    def fresh_buy_now(self) -> CartSession:
        """A new, empty buy-now cart (the previous one is left behind)."""
        self.session.pop(self._key(BUY_NOW_ID), None)
        return CartSession(
            session=self.session,
            user=self.user,
            buy_now=True,
            acting_user=self.acting_user,
            shop=self.shop,
            request=self.request,
            assist=self.assist,
            prefix=self.prefix,
        )

    @property
    def cart_id(self) -> str | None:
        return self.session.get(self._key(CART_ID))

    @property
    def count(self) -> int:
        """The header badge's count: what the provider last reported to this browser."""
        if self._count is not None:
            return self._count
        return badge_count(self.request) if self.request is not None else 0

    @property
    def pincode(self) -> str:
        return self.session.get(self._key(PINCODE), "")

    def remember_pincode(self, pincode: str) -> None:
        self.session[self._key(PINCODE)] = pincode

    def remember(self, cart: Cart) -> None:
        """Keep the provider's cart id in the session (written only when it changes, so reads and
        quantity changes do not dirty the session) and its item count for the header badge."""
        key = self._key(BUY_NOW_ID if self.buy_now else CART_ID)
        if cart.id and self.session.get(key) != cart.id:
            self.session[key] = cart.id
        if not self.buy_now:
            self.remember_count(cart.count)

    def remember_count(self, count: int) -> None:
        """ShopMiddleware sets the badge cookie from `request.cart_count` when it changed."""
        self._count = count
        if self.request is not None:
            self.request.cart_count = count

    def forget_cart(self) -> None:
        """After an order: the cart is closed, the next visit starts a fresh one."""
        if self.buy_now:
            self.session.pop(self._key(BUY_NOW_ID), None)
            return
        self.session.pop(self._key(CART_ID), None)
        self.remember_count(0)
