"""HTTP calls to EnKash's Rewards redemption API (../shared/providers/enkash.md). The only module
of the EnKash adapter that talks HTTP; every call goes through `storefront.http.ProviderHTTP`:

- auth: `OAuthPasswordGrant` - `POST /oauth/token` with `Authorization: Basic
  base64(client_id:client_secret)` and the form `grant_type=password`, `username`, `password`,
  `clientId` (the company id: the account's `company_id`, else its `client_id`). The token is
  cached (encrypted) until ~30 s before `expires_in`, fetched single-flight, and a 4xx from the
  token endpoint is never retried: three failed logins lock the partner account, so further token
  calls with the same credentials are held back and staff are told (ProviderAuthError, logged).
  The token host is `auth_base_url` when set, else the marketplace host.
- envelope: `EnKashEnvelope` - `{payload | paylod, response_code, response_message}`, success only
  when the code is 0 (integer or string), failures as typed errors even under HTTP 200.
- every path below is `base_url + /api/v0/...`; path ids are quoted; only GETs are retried; the
  create-order POST is sent once, with our partner order reference.

Each method returns the envelope's payload (numbers with a fraction as Decimal) or raises one of
`storefront.exceptions`. What each call is, and whether the docs confirm it (enkash.md §5):

| method                   | call                                                     | source          |
| ------------------------ | -------------------------------------------------------- | --------------- |
| `cart`                   | GET /api/v0/cart?product=VOUCHER (`provider test`)       | confirmed (S0)  |
| `search_catalog`         | POST /api/v0/partner/search-catalog?limit=&offset=       | INFERRED (#10)  |
| `product_configs`        | GET /api/v0/partner/search-config/{productCatalogId}     | confirmed (#5)  |
| `create_order`           | POST /api/v0/partner/create-order                        | confirmed (#6)  |
| `order_details`          | POST /api/v0/order/orderDetails {orderId: reference}     | confirmed (#8)  |
| `search_orders`          | POST /api/v0/partner/search-order?limit=&offset=         | confirmed (#7)  |
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from storefront.breaker import Breaker
from storefront.envelopes import EnKashEnvelope
from storefront.exceptions import ProviderAuthError
from storefront.http import OAuthPasswordGrant, ProviderHTTP

logger = logging.getLogger("storefront.providers.enkash")

API = "/api/v0"
VOUCHER = {"product": "VOUCHER"}
ENVELOPE = EnKashEnvelope()
PAGE_SIZE = 100


class EnKashClient:
    """The redemption APIs of one EnKash partner login (one ProviderAccount)."""

    def __init__(self, account, *, http: ProviderHTTP | None = None):
        creds = account.credentials
        self.account_name = account.name
        self.client_id = creds.get("client_id", "")
        token_host = (creds.get("auth_base_url") or account.base_url).rstrip("/")
        self.auth = OAuthPasswordGrant(
            token_url=f"{token_host}/oauth/token",
            client_id=self.client_id,
            client_secret=creds.get("client_secret", ""),
            username=creds.get("username", ""),
            password=creds.get("password", ""),
            extra_form={"clientId": creds.get("company_id") or self.client_id},
            cache_key=f"enkash:{account.pk}",
        )
        self.http = http or ProviderHTTP(
            base_url=account.base_url,
            timeout=(account.connect_timeout, account.read_timeout),
            auth=self.auth,
            envelope=ENVELOPE,
            name=f"enkash:{account.name}",
            breaker=Breaker.for_account(
                account, probe_hold=account.connect_timeout + account.read_timeout + 2
            ),
        )

    def __repr__(self) -> str:  # never a secret
        return f"<EnKashClient {self.account_name} client={self.client_id}>"

    @contextlib.contextmanager
    def _staff_alert(self) -> Iterator[None]:
        try:
            yield
        except ProviderAuthError:
            logger.error(
                "EnKash refused the credentials of provider account %r (client %s): check client_id, "
                "client_secret, username and password before anything retries (three failed logins "
                "lock the partner account)",
                self.account_name,
                self.client_id,
            )
            raise

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        with self._staff_alert():
            return self.http.json(method, f"{API}{path}", **kwargs)

    # ------------------------------------------------------------------ calls
    def cart(self) -> Any:
        return self.call("GET", "/cart", params=VOUCHER)

    def search_catalog(self, *, limit: int = PAGE_SIZE, offset: int = 0, filters: dict | None = None) -> Any:
        return self.call(
            "POST",
            "/partner/search-catalog",
            params={"limit": str(limit), "offset": str(offset)},
            json_body=filters or {},
        )

    def product_configs(self, product_id: str) -> Any:
        return self.call("GET", f"/partner/search-config/{quote(product_id, safe='')}")

    def create_order(self, *, reference: str, product_id: str, denomination: int, quantity: int) -> Any:
        body = {
            "denomination": denomination,
            "orderReferenceId": reference,
            "productCatalogId": product_id,
            "quantity": quantity,
        }
        return self.call("POST", "/partner/create-order", json_body=body)

    def order_details(self, order_id: str) -> Any:
        return self.call("POST", "/order/orderDetails", json_body={"orderId": order_id})

    def search_orders(self, filters: dict | None = None, *, limit: int = 10, offset: int = 0) -> Any:
        return self.call(
            "POST",
            "/partner/search-order",
            params={"limit": str(limit), "offset": str(offset)},
            json_body=filters or {},
        )
