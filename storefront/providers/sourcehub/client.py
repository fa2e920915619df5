"""HTTP calls to the SourceHub B2B API (../shared/providers/sourcehub.md). The only module of the
SourceHub adapter that talks HTTP; every call goes through `storefront.http.ProviderHTTP`:

- auth: `StaticHeaders.bearer(token)` - one static `Authorization: Bearer <token>` from the
  account's `token` credential (stripped: stray whitespace is a documented cause of 401s).
- envelope: `SourceHubEnvelope` - `data` of `{data, message}`; `{error: {code, description,
  source, status_code}}` becomes a typed error: 400 BAD_REQUEST_ERROR (validation and not-found
  alike: SourceHub has no 404) ProviderRejected with the description; 401 AUTHENTICATION_ERROR
  ProviderAuthError (our token: never retried, logged for staff here and shown on
  /healthz as `credentials_refused` for ten minutes, the shopper reads
  MSG_AUTH); 429 and 5xx ProviderUnavailable.
- 429 TOO_MANY_REQUESTS: SourceHub did nothing, so any call may wait and go again: up to
  RATE_LIMIT_RETRIES more times, BACKOFF seconds and then twice that, inside the request's
  deadline. Still limited: `RateLimited`, a ProviderNotCalled (the order ledger then knows
  nothing was ordered). 5xx is retried by the base for GETs only; POSTs are sent once.
- base URL = the account's, ending in `/api` (STOREFRONT_CONTRACT §4); path ids are quoted.

What each call is and whether the docs confirm it (sourcehub.md §5):

| method          | call                                                              | source              |
| --------------- | ----------------------------------------------------------------- | ------------------- |
| `cart`          | GET carts?customer_id=                                            | confirmed (seed)    |
| `update_item`   | POST cart/update-item?customer_id=&cart_id=<item id>&quantity=    | confirmed (D-upd)   |
| `add_item`      | POST cart/add-item?customer_id=&product_id=&productpricing_id=&quantity= | INFERRED     |
| `products`      | GET products?count=&skip=&product_name=                           | confirmed (D-prod)  |
| `product`       | GET products/{id}                                                 | confirmed (D-prod)  |
| `create_order`  | POST orders/create?customer_id=                                   | confirmed (D-ord)   |
| `order`         | GET orders/{id}                                                   | confirmed (D-ord)   |
| `orders`        | GET orders?phone_number=&from_date=&to_date= (dd-mm-yyyy)         | confirmed (D-ord)   |
| `customers`     | GET customers?count=&skip= (a customer staff linked by id)        | confirmed (D-cust)  |
| `customer_show` | POST customers/show?email=                                        | confirmed (D-cust)  |

`cart_id` of update-item is "the cart unique identifier": read as the cart ITEM id
(`items[].id`), since the cart itself is named by customer_id (INFERRED, as the contract says).
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import quote

from storefront import deadline, health
from storefront.breaker import Breaker
from storefront.envelopes import SourceHubEnvelope
from storefront.exceptions import ProviderAuthError, ProviderNotCalled, ProviderUnavailable
from storefront.http import ProviderHTTP, StaticHeaders

logger = logging.getLogger("storefront.providers.sourcehub")

ENVELOPE = SourceHubEnvelope()
PAGE_SIZE = 100  # the documented maximum of `count`
RATE_LIMIT_RETRIES = 2
BACKOFF = 0.5  # seconds before the first retry after a 429; doubled after that


class RateLimited(ProviderNotCalled):
    """SourceHub answered 429 TOO_MANY_REQUESTS every time: nothing was done upstream."""


class SourceHubClient:
    """The API of one SourceHub organisation token (one ProviderAccount)."""

    def __init__(self, account, *, http: ProviderHTTP | None = None, backoff: float = BACKOFF):
        self.account = account
        self.account_name = account.name
        token = str(account.credentials.get("token", "")).strip()
        self.backoff = backoff
        self.http = http or ProviderHTTP(
            base_url=account.base_url,
            timeout=(account.connect_timeout, account.read_timeout),
            auth=StaticHeaders.bearer(token),
            envelope=ENVELOPE,
            name=f"sourcehub:{account.name}",
            breaker=Breaker.for_account(
                account, probe_hold=account.connect_timeout + account.read_timeout + 2
            ),
        )

    def __repr__(self) -> str:  # never the token
        return f"<SourceHubClient {self.account_name}>"

    @property
    def calls(self) -> int:
        return self.http.calls

    def call(self, method: str, path: str, *, params: dict[str, Any] | None = None) -> Any:
        """The payload of one call, with the 429 back-off and the staff alert on a 401."""
        wait = self.backoff
        for attempt in range(RATE_LIMIT_RETRIES + 1):
            try:
                return self.http.json(method, path, params=params)
            except ProviderAuthError:
                health.note_credentials_refused(self.account)
                logger.error(
                    "SourceHub refused the token of provider account %r (AUTHENTICATION_ERROR): the "
                    "token is wrong, regenerated in the dashboard, expired, or a test token on the "
                    "live host. Set a new one with `manage.py provider` or in admin; calls are not "
                    "retried.",
                    self.account_name,
                )
                raise
            except ProviderUnavailable as exc:
                if exc.upstream_status != 429:
                    raise
                left = deadline.remaining(self.http.timeout[1])
                if attempt == RATE_LIMIT_RETRIES or (left is not None and left < wait + 0.5):
                    logger.warning("SourceHub %s %s still rate limited (429); giving up", method, path)
                    raise RateLimited(status=429) from exc
                logger.info("SourceHub %s %s -> 429: waiting %.1f s", method, path, wait)
                time.sleep(wait)
                wait *= 2
        raise AssertionError("unreachable")

    # ------------------------------------------------------------------ carts
    def cart(self, customer_id: str) -> Any:
        return self.call("GET", "/carts", params={"customer_id": customer_id})

    def add_item(self, customer_id: str, *, product_id: str, pricing_id: str, quantity: int) -> Any:
        params = {
            "customer_id": customer_id,
            "product_id": product_id,
            "productpricing_id": pricing_id,
            "quantity": str(quantity),
        }
        return self.call("POST", "/cart/add-item", params=params)

    def update_item(self, customer_id: str, *, item_id: str, quantity: int) -> Any:
        params = {"customer_id": customer_id, "cart_id": item_id, "quantity": str(quantity)}
        return self.call("POST", "/cart/update-item", params=params)

    # ------------------------------------------------------------------ catalogue
    def products(self, *, count: int = PAGE_SIZE, skip: int = 0, name: str = "") -> Any:
        params = {"count": str(count), "skip": str(skip)}
        if name:
            params["product_name"] = name
        return self.call("GET", "/products", params=params)

    def product(self, product_id: str) -> Any:
        return self.call("GET", f"/products/{quote(product_id, safe='')}")

    # ------------------------------------------------------------------ orders
    def create_order(self, customer_id: str) -> Any:
        return self.call("POST", "/orders/create", params={"customer_id": customer_id})

    def order(self, order_id: str) -> Any:
        return self.call("GET", f"/orders/{quote(order_id, safe='')}")

    def orders(self, *, phone: str, from_date: str = "", to_date: str = "", count: int = PAGE_SIZE) -> Any:
        params = {"phone_number": phone, "count": str(count)}
        if from_date:
            params["from_date"] = from_date
        if to_date:
            params["to_date"] = to_date
        return self.call("GET", "/orders", params=params)

    # ------------------------------------------------------------------ customers
    def customers(self, *, count: int = PAGE_SIZE, skip: int = 0) -> Any:
        return self.call("GET", "/customers", params={"count": str(count), "skip": str(skip)})

    def customer_show(self, *, email: str) -> Any:
        return self.call("POST", "/customers/show", params={"email": email})
