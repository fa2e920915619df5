"""HTTP calls to the Commerce Engine storefront API (../shared/providers/commerce_engine.md).

The only module of the adapter that talks HTTP. Every call goes through
`storefront.http.ProviderHTTP` (pooled session per account and thread, the account's (connect,
read) timeouts, retries for GET only, Decimal JSON, no redirects, the account's breaker) with
Commerce Engine's envelope (`storefront.envelopes.CommerceEngineEnvelope`: the payload is
`content`; `success: false`, also inside a 200, is a refusal with `message` and `code`).

Base URL: the account's base URL is the API root up to `/api/v1` (or the full
`/api/v1/{store_id}/storefront`); the client appends `/{store_id}/storefront`.

Credentials (contract §1.2): `X-Api-Key` on every call (required by `/auth/anonymous`, and what
the SDK's public catalogue client sends; it never leaves the server), plus the shopper's
`Authorization: Bearer` (a `storefront.http.BearerTokens` over the shopper's token store) on every
call made for a shopper, refreshed shortly before expiry and once after a 401. Catalogue reads
carry the Bearer of one storefront-wide anonymous user (its tokens encrypted in the cache), so
they work whether the server wants the key or a token.

| what came back                         | raised                                                 |
| -------------------------------------- | ------------------------------------------------------ |
| 200 with `success: false`, other 4xx   | ProviderRejected with Commerce Engine's `message`       |
| 404                                    | NotFound                                               |
| 401 after one refresh                  | ProviderSessionExpired (the shopper's session is over) |
| 403                                    | ProviderAuthError (logged as a set-up problem)          |
| timeout, connection error, 5xx, 429    | ProviderUnavailable                                    |

Nothing that could apply twice is retried: ProviderHTTP retries GET only; a POST is sent once
(a 401 means nothing was done, so the one resend after a refresh is safe).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from storefront.breaker import Breaker
from storefront.envelopes import CommerceEngineEnvelope
from storefront.http import Auth, ProviderHTTP, StaticHeaders

logger = logging.getLogger("storefront.providers.commerce_engine")

ENVELOPE = CommerceEngineEnvelope()


def storefront_base(base_url: str, store_id: str) -> str:
    base = (base_url or "").rstrip("/")
    if base.endswith("/storefront"):
        return base
    return f"{base}/{quote(store_id, safe='')}/storefront"


def q(value: str) -> str:
    return quote(str(value), safe="")


class CommerceEngineClient:
    """The storefront API of one Commerce Engine store (one ProviderAccount)."""

    def __init__(self, account, *, http: ProviderHTTP | None = None):
        creds = account.credentials
        self.account_name = account.name
        self.store_id = creds.get("store_id", "")
        self.api_key_header = {"X-Api-Key": creds.get("api_key", "")}
        self.payment_provider = creds.get("payment_provider_slug", "") or "juspay"
        self.http = http or ProviderHTTP(
            base_url=storefront_base(account.base_url, self.store_id),
            timeout=(account.connect_timeout, account.read_timeout),
            auth=StaticHeaders(self.api_key_header),
            envelope=ENVELOPE,
            name=f"commerce_engine:{account.name}",
            breaker=Breaker.for_account(
                account, probe_hold=account.connect_timeout + account.read_timeout + 2
            ),
        )

    def __repr__(self) -> str:  # never the key
        return f"<CommerceEngineClient {self.account_name} store={self.store_id}>"

    def call(
        self,
        method: str,
        path: str,
        *,
        auth: Auth | None = None,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
    ) -> dict[str, Any]:
        """One call; the envelope's `content` (a dict) or a typed error. `auth` is the shopper's
        BearerTokens; the API key goes on every call."""
        data = self.http.json(
            method,
            path,
            params=params or None,
            json_body=body,
            headers=self.api_key_header,
            auth=auth,
        )
        return data if isinstance(data, dict) else {"items": data}

    # ------------------------------------------------------------------ auth (contract §2.1)
    def anonymous(self) -> dict[str, Any]:
        """POST /auth/anonymous with the API key: `user`, `access_token`, `refresh_token`."""
        return self.call("POST", "/auth/anonymous", auth=StaticHeaders())

    def login_otp(self, auth: Auth, *, channel: str, value: str) -> dict[str, Any]:
        """POST /auth/login/phone {phone, country_code, register_if_not_exists} or
        /auth/login/email {email, register_if_not_exists}: `otp_token`, `otp_action`."""
        if channel == "email":
            body: dict[str, Any] = {"email": value, "register_if_not_exists": True}
        else:
            body = {"phone": value, "country_code": "+91", "register_if_not_exists": True}
        return self.call("POST", f"/auth/login/{q(channel)}", auth=auth, body=body)

    def verify_otp(self, auth: Auth, *, otp: str, otp_token: str, otp_action: str) -> dict[str, Any]:
        body = {"otp": otp, "otp_token": otp_token, "otp_action": otp_action}
        return self.call("POST", "/auth/verify-otp", auth=auth, body=body)

    def logout(self, auth: Auth) -> dict[str, Any]:
        return self.call("POST", "/auth/logout", auth=auth)

    # ------------------------------------------------------------------ catalogue (§2.4)
    def products(self, auth: Auth, *, page: int, limit: int, category: str = "") -> dict[str, Any]:
        params: dict[str, Any] = {"page": page, "limit": limit}
        if category:
            params["category_slug[]"] = category
        return self.call("GET", "/catalog/products", auth=auth, params=params)

    def search(self, auth: Auth, *, query: str, page: int, limit: int) -> dict[str, Any]:
        body = {"query": query, "page": page, "limit": limit}
        return self.call("POST", "/catalog/products/search", auth=auth, body=body)

    def product(self, auth: Auth, id_or_slug: str) -> dict[str, Any]:
        return self.call("GET", f"/catalog/products/{q(id_or_slug)}", auth=auth)

    def variants(self, auth: Auth, id_or_slug: str) -> dict[str, Any]:
        return self.call("GET", f"/catalog/products/{q(id_or_slug)}/variants", auth=auth)

    def categories(self, auth: Auth) -> dict[str, Any]:
        return self.call("GET", "/catalog/categories", auth=auth)

    # ------------------------------------------------------------------ carts (§2.2)
    def create_cart(self, auth: Auth, items: list[dict[str, Any]]) -> dict[str, Any]:
        return self.call("POST", "/carts", auth=auth, body={"items": items})

    def cart(self, auth: Auth, cart_id: str) -> dict[str, Any]:
        return self.call("GET", f"/carts/{q(cart_id)}", auth=auth)

    def user_cart(self, auth: Auth, user_id: str) -> dict[str, Any]:
        return self.call("GET", f"/carts/users/{q(user_id)}", auth=auth)

    def delete_cart(self, auth: Auth, cart_id: str) -> dict[str, Any]:
        return self.call("DELETE", f"/carts/{q(cart_id)}", auth=auth)

    def set_item(
        self, auth: Auth, cart_id: str, *, product_id: str, variant_id: str | None, quantity: int
    ) -> dict:
        """One line at its new quantity (not a delta); 0 removes it."""
        body = {"product_id": product_id, "variant_id": variant_id, "quantity": quantity}
        return self.call("POST", f"/carts/{q(cart_id)}/items", auth=auth, body=body)

    def set_address(self, auth: Auth, cart_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.call("POST", f"/carts/{q(cart_id)}/address", auth=auth, body=body)

    def fulfillment_preference(self, auth: Auth, cart_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.call("POST", f"/carts/{q(cart_id)}/fulfillment-preference", auth=auth, body=body)

    def apply_coupon(self, auth: Auth, cart_id: str, code: str) -> dict[str, Any]:
        return self.call("POST", f"/carts/{q(cart_id)}/coupon", auth=auth, body={"coupon_code": code})

    def remove_coupon(self, auth: Auth, cart_id: str) -> dict[str, Any]:
        return self.call("DELETE", f"/carts/{q(cart_id)}/coupon", auth=auth)

    def available_coupons(self, auth: Auth) -> dict[str, Any]:
        return self.call("GET", "/carts/available-coupons", auth=auth)

    def evaluate_coupons(self, auth: Auth, cart_id: str) -> dict[str, Any]:
        return self.call("GET", f"/carts/{q(cart_id)}/evaluate-coupons", auth=auth)

    def redeem_points(self, auth: Auth, cart_id: str, points: int) -> dict[str, Any]:
        body = {"loyalty_point_redeemed": points}
        return self.call("POST", f"/carts/{q(cart_id)}/loyalty-points", auth=auth, body=body)

    def remove_points(self, auth: Auth, cart_id: str) -> dict[str, Any]:
        return self.call("DELETE", f"/carts/{q(cart_id)}/loyalty-points", auth=auth)

    def use_credit(self, auth: Auth, cart_id: str, amount: Any) -> dict[str, Any]:
        body = {"credit_balance_used": amount}
        return self.call("POST", f"/carts/{q(cart_id)}/credit-balance", auth=auth, body=body)

    def remove_credit(self, auth: Auth, cart_id: str) -> dict[str, Any]:
        return self.call("DELETE", f"/carts/{q(cart_id)}/credit-balance", auth=auth)

    def redeem_gift_card(self, auth: Auth, cart_id: str, code: str, pin: str) -> dict[str, Any]:
        """Older docs only; body fields unpublished: `gift_card_code` (+ `pin`), as the contract's
        simulator section chooses."""
        body = {"gift_card_code": code, "pin": pin} if pin else {"gift_card_code": code}
        return self.call("POST", f"/carts/{q(cart_id)}/gift-card", auth=auth, body=body)

    def remove_gift_card(self, auth: Auth, cart_id: str, code: str) -> dict[str, Any]:
        return self.call("DELETE", f"/carts/{q(cart_id)}/gift-card", auth=auth, body={"gift_card_code": code})

    # ------------------------------------------------------------------ customers (§2.8)
    def loyalty(self, auth: Auth, customer_id: str) -> dict[str, Any]:
        return self.call("GET", f"/customers/{q(customer_id)}/loyalty", auth=auth)

    def addresses(self, auth: Auth, customer_id: str) -> dict[str, Any]:
        return self.call("GET", f"/customers/{q(customer_id)}/addresses", auth=auth)

    # ------------------------------------------------------------------ orders (§2.7)
    def create_order(self, auth: Auth, cart_id: str, *, return_url: str = "") -> dict[str, Any]:
        """POST /orders, never retried. With a return URL, Juspay's hosted payment page
        (hyper-checkout) is asked for: its `payment_links.web` is where the shopper pays."""
        body: dict[str, Any] = {"cart_id": cart_id}
        if return_url:
            body["payment_method"] = self.payment_method(return_url)
        return self.call("POST", "/orders", auth=auth, body=body)

    def payment_method(self, return_url: str) -> dict[str, Any]:
        return {
            "payment_provider_slug": self.payment_provider,
            "integration_type": "hyper-checkout",
            "return_url": return_url,
            "action": "paymentPage",
        }

    def orders(self, auth: Auth, user_id: str, *, limit: int = 20) -> dict[str, Any]:
        return self.call("GET", "/orders", auth=auth, params={"user_id": user_id, "page": 1, "limit": limit})

    def order(self, auth: Auth, order_number: str) -> dict[str, Any]:
        return self.call("GET", f"/orders/{q(order_number)}", auth=auth)

    def payment_status(self, auth: Auth, order_number: str) -> dict[str, Any]:
        return self.call("GET", f"/orders/{q(order_number)}/payment-status", auth=auth)

    def retry_payment(self, auth: Auth, order_number: str, *, return_url: str) -> dict[str, Any]:
        body = {"payment_method": self.payment_method(return_url)}
        return self.call("POST", f"/orders/{q(order_number)}/retry-payment", auth=auth, body=body)
