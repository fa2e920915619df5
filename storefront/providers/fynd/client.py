"""HTTP calls to the Fynd Platform application (storefront) APIs: cart and catalogue.

The only module of the Fynd adapter that talks HTTP. Every call goes through
`storefront.http.ProviderHTTP` (one pooled session per account and thread, the account's
(connect, read) timeouts, retries only for GET/HEAD, Decimal JSON, no redirects) with Fynd's static
credentials (`StaticHeaders`) and Fynd's envelope (`storefront.envelopes.FyndEnvelope`), which map
every answer once. Each method returns the parsed JSON object (numbers with a fraction arrive as
Decimal) or raises one of the typed errors of `storefront.exceptions`:

| what came back                                   | raised                                        |
| ------------------------------------------------ | --------------------------------------------- |
| 401 / 403                                        | ProviderAuthError (logged as a set-up problem) |
| 404                                              | NotFound with Fynd's message                   |
| other 4xx (except 408/429)                       | ProviderRejected with Fynd's message           |
| 200 with `success: false` (calls without a cart) | ProviderRejected with Fynd's message           |
| timeout, connection error, 3xx, 408, 429, 5xx    | ProviderUnavailable                            |
| a body that is not a JSON object                 | ProviderUnavailable                            |

Fynd's message is taken from `message`, `error`, `errors` (a list) or the first field of a
field-error map (`{"address_id": ["Missing data for required field."]}`), in that order.

Request headers (fynd.md §1):
- `Authorization: Bearer base64("<application_id>:<application_token>")` on every call;
- `x-currency-code`: the account's `currency_code` (default INR);
- `x-ordering-source`: the account's `ordering_source`, when configured;
- `x-location-detail`: `{"pincode": ..., "country": ...}` (a JSON string) when the shopper's
  pincode is known.
The SDKs' request-signing headers (`x-fp-date`, `x-fp-signature`) are not sent: their key is an SDK
constant and fynd.md §1 leaves open whether storefront calls need them.

Booleans go in the query as lowercase `true` (false flags are left out, as the Python SDK does);
path ids are quoted. Nothing that could apply twice is retried: ProviderHTTP retries GET/HEAD only.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

from storefront.breaker import Breaker
from storefront.envelopes import MESSAGE_MAX, FyndEnvelope
from storefront.exceptions import NotFound, ProviderAuthError, ProviderRejected
from storefront.http import ProviderHTTP, StaticHeaders

logger = logging.getLogger("storefront.providers.fynd")

CART = "/service/application/cart/v1.0"
CATALOG = "/service/application/catalog/v1.0"
CATALOG_V3 = "/service/application/catalog/v3.0"

DEFAULT_CURRENCY = "INR"
DEFAULT_COUNTRY = "India"
# Loyalty moved between SDK generations (fynd.md §7.3): `points` = POST redeem/points/ {points},
# `redeem` = POST redeem {redeem_points}. Chosen per account with the `loyalty_api` key.
LOYALTY_POINTS_API = "points"
LOYALTY_REDEEM_API = "redeem"

# Answers that carry a cart report their problems inside it; the calls without one refuse with
# `success: false` in a 200 (fynd.md §2)
ENVELOPE = FyndEnvelope()
ENVELOPE_OK = FyndEnvelope(refuse_unsuccessful=True)


def auth_header(application_id: str, application_token: str) -> str:
    raw = f"{application_id}:{application_token}".encode()
    return "Bearer " + base64.b64encode(raw).decode("ascii")


def _flag(value: bool) -> str | None:
    return "true" if value else None


def _params(**values: Any) -> dict[str, Any]:
    """Query parameters without the empty ones (None, "" and false flags)."""
    return {k: v for k, v in values.items() if v is not None and v != ""}


class FyndClient:
    """The application APIs of one Fynd sales channel (one ProviderAccount)."""

    def __init__(self, account, *, http: ProviderHTTP | None = None):
        creds = account.credentials
        self.account_name = account.name
        self.application_id = creds.get("application_id", "")
        self.currency_code = creds.get("currency_code") or DEFAULT_CURRENCY
        self.ordering_source = creds.get("ordering_source", "")
        self.country = creds.get("country") or DEFAULT_COUNTRY
        self.loyalty_api = creds.get("loyalty_api") or LOYALTY_POINTS_API
        headers = {
            "Authorization": auth_header(self.application_id, creds.get("application_token", "")),
            "x-currency-code": self.currency_code,
        }
        if self.ordering_source:
            headers["x-ordering-source"] = self.ordering_source
        self.http = http or ProviderHTTP(
            base_url=account.base_url,
            timeout=(account.connect_timeout, account.read_timeout),
            auth=StaticHeaders(headers),
            envelope=ENVELOPE,
            name=f"fynd:{account.name}",
            breaker=Breaker.for_account(
                account, probe_hold=account.connect_timeout + account.read_timeout + 2
            ),
        )

    def __repr__(self) -> str:  # never the token
        return f"<FyndClient {self.account_name} app={self.application_id}>"

    # ------------------------------------------------------------------ plumbing
    def location_header(self, pincode: str) -> dict[str, str]:
        if not pincode:
            return {}
        return {"x-location-detail": json.dumps({"pincode": pincode, "country": self.country})}

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        pincode: str = "",
        envelope: FyndEnvelope = ENVELOPE,
    ) -> tuple[dict[str, Any], Mapping[str, str]]:
        """One call; (JSON object, response headers) or a typed error."""
        with self._staff_alert():
            return self.http.call(
                method,
                path,
                params=params or None,
                json_body=body,
                headers=self.location_header(pincode),
                envelope=envelope,
            )

    @contextlib.contextmanager
    def _staff_alert(self) -> Iterator[None]:
        """Say which account's credentials Fynd refused (the customer sees MSG_AUTH)."""
        try:
            yield
        except ProviderAuthError:
            logger.error(
                "Fynd refused the credentials of provider account %r (application %s): check "
                "application_id and application_token",
                self.account_name,
                self.application_id,
            )
            raise

    def json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        return self.call(method, path, **kwargs)[0]

    def ok(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """A call whose answer is not a cart: `success: false` is a refusal."""
        return self.call(method, path, envelope=ENVELOPE_OK, **kwargs)[0]

    # ------------------------------------------------------------------ catalogue (fynd.md §8)
    def products(
        self, *, q: str = "", category: str = "", page: int = 1, page_size: int = 12, sort_on: str = ""
    ) -> dict[str, Any]:
        params = _params(
            q=q,
            f=f"category:{category}" if category else None,
            filters="false",
            sort_on=sort_on,
            page_type="number",
            page_no=page,
            page_size=page_size,
        )
        return self.json("GET", f"{CATALOG}/products/", params=params)

    def product(self, slug: str) -> dict[str, Any]:
        return self.json("GET", f"{CATALOG}/products/{quote(slug, safe='')}/")

    def product_sizes(self, slug: str) -> dict[str, Any]:
        return self.json("GET", f"{CATALOG}/products/{quote(slug, safe='')}/sizes/")

    def size_price(self, slug: str, size: str, *, pincode: str = "") -> dict[str, Any]:
        """Price, seller, store, article and delivery promise of one size. The pincode travels in
        x-location-detail (1.4.x) and as `pincode=` for older servers (fynd.md §8.6)."""
        path = f"{CATALOG_V3}/products/{quote(slug, safe='')}/sizes/{quote(size, safe='')}/price/"
        return self.json("GET", path, params=_params(pincode=pincode), pincode=pincode)

    def categories(self) -> dict[str, Any]:
        return self.json("GET", f"{CATALOG}/categories/")

    # ------------------------------------------------------------------ cart (fynd.md §2)
    def cart(
        self,
        cart_id: str,
        *,
        buy_now: bool = False,
        pincode: str = "",
        order_type: str = "",
        cod: bool = False,
    ) -> tuple[dict[str, Any], str | None]:
        """GET detail with items and breakup (and the cash-on-delivery charge with `cod`, the `c`
        flag); (cart, Last-Modified header or None)."""
        params = _params(
            id=cart_id,
            i="true",
            b="true",
            c=_flag(cod),
            buy_now=_flag(buy_now),
            area_code=pincode,
            order_type=order_type,
        )
        data, headers = self.call("GET", f"{CART}/detail", params=params, pincode=pincode)
        return data, headers.get("Last-Modified")

    def cart_last_modified(self, cart_id: str) -> str | None:
        """HEAD detail: the cart's Last-Modified header, no body."""
        with self._staff_alert():
            response = self.http.request("HEAD", f"{CART}/detail", params={"id": cart_id})
        return response.headers.get("Last-Modified")

    def add_items(
        self,
        cart_id: str | None,
        items: list[dict[str, Any]],
        *,
        new_cart: bool = False,
        buy_now: bool = False,
        pincode: str = "",
        order_type: str = "",
    ) -> dict[str, Any]:
        params = _params(
            id=cart_id, i="true", b="true", buy_now=_flag(buy_now), area_code=pincode, order_type=order_type
        )
        body: dict[str, Any] = {"items": items}
        if new_cart:
            body["new_cart"] = True
        return self.json("POST", f"{CART}/detail", params=params, body=body, pincode=pincode)

    def update_items(
        self,
        cart_id: str,
        *,
        operation: str,
        items: list[dict[str, Any]],
        buy_now: bool = False,
        pincode: str = "",
        order_type: str = "",
    ) -> dict[str, Any]:
        params = _params(
            id=cart_id, i="true", b="true", buy_now=_flag(buy_now), area_code=pincode, order_type=order_type
        )
        body = {"operation": operation, "items": items}
        return self.json("PUT", f"{CART}/detail", params=params, body=body, pincode=pincode)

    def archive(self, cart_id: str) -> dict[str, Any]:
        return self.ok("PUT", f"{CART}/cart_archive", params={"id": cart_id})

    def item_count(self, cart_id: str, *, buy_now: bool = False) -> int:
        data = self.json("GET", f"{CART}/basic", params=_params(id=cart_id, buy_now=_flag(buy_now)))
        count = data.get("user_cart_items_count", 0)
        return count if isinstance(count, int) and not isinstance(count, bool) else 0

    def coupons(self, cart_id: str, *, buy_now: bool = False) -> dict[str, Any]:
        return self.json("GET", f"{CART}/coupon", params=_params(id=cart_id, buy_now=_flag(buy_now)))

    def apply_coupon(self, cart_id: str, code: str, *, buy_now: bool = False, pincode: str = "") -> dict:
        params = _params(id=cart_id, i="true", b="true", buy_now=_flag(buy_now))
        return self.json("POST", f"{CART}/coupon", params=params, body={"coupon_code": code}, pincode=pincode)

    def remove_coupon(self, cart_id: str, *, buy_now: bool = False, pincode: str = "") -> dict[str, Any]:
        params = _params(id=cart_id, buy_now=_flag(buy_now))
        return self.json("DELETE", f"{CART}/coupon", params=params, pincode=pincode)

    def redeem_points(self, cart_id: str, apply: bool, *, buy_now: bool = False, pincode: str = "") -> dict:
        params = _params(id=cart_id, i="true", b="true", buy_now=_flag(buy_now))
        if self.loyalty_api == LOYALTY_REDEEM_API:
            path, body = f"{CART}/redeem", {"redeem_points": apply}
        else:
            path, body = f"{CART}/redeem/points/", {"points": apply}
        return self.json("POST", path, params=params, body=body, pincode=pincode)

    def update_meta(self, cart_id: str, body: dict[str, Any], *, buy_now: bool = False) -> dict[str, Any]:
        data = self.json("PUT", f"{CART}/meta", params=_params(id=cart_id, buy_now=_flag(buy_now)), body=body)
        if data.get("is_valid") is False or data.get("success") is False:
            raise ProviderRejected(ENVELOPE.message(data))
        return data

    # ------------------------------------------------------------------ addresses
    def addresses(self, cart_id: str | None, *, buy_now: bool = False) -> dict[str, Any]:
        params = _params(cart_id=cart_id, buy_now=_flag(buy_now))
        return self.json("GET", f"{CART}/address", params=params)

    def address(self, address_id: str) -> dict[str, Any]:
        return self.json("GET", f"{CART}/address/{quote(address_id, safe='')}")

    def add_address(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.ok("POST", f"{CART}/address", body=body)

    def select_address(
        self,
        cart_id: str,
        address_id: str,
        *,
        billing_address_id: str = "",
        buy_now: bool = False,
        pincode: str = "",
    ) -> dict[str, Any]:
        params = _params(cart_id=cart_id, buy_now=_flag(buy_now), i="true", b="true")
        body = _params(id=address_id, billing_address_id=billing_address_id, cart_id=cart_id)
        return self.json("POST", f"{CART}/select-address", params=params, body=body, pincode=pincode)

    # ------------------------------------------------------------------ checkout and sharing
    def checkout(self, body: dict[str, Any], *, buy_now: bool = False, pincode: str = "") -> dict[str, Any]:
        """POST checkout (v1). Never retried (ProviderHTTP retries GET/HEAD only)."""
        params = _params(buy_now=_flag(buy_now))
        return self.ok("POST", f"{CART}/checkout", params=params, body=body, pincode=pincode)

    def share_link(self, cart_id: str, meta: dict[str, Any] | None = None) -> dict[str, Any]:
        body = {"id": cart_id, "meta": meta or {}}
        return self.json("POST", f"{CART}/share-cart", body=body)

    def shared_cart(self, token: str) -> dict[str, Any]:
        data = self.json("GET", f"{CART}/share-cart/{quote(token, safe='')}")
        if isinstance(data.get("error"), str) and data["error"].strip() and not data.get("cart"):
            raise NotFound(data["error"].strip()[:MESSAGE_MAX])
        return data
