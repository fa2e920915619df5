"""FyndProvider: the storefront's catalogue, cart, redemptions and checkout on Fynd Platform's
application (storefront) APIs (../shared/providers/fynd.md).

`client.py` makes the calls, `mapping.py` reads the answers, and the provider is split by job:
`catalogue.py` (catalogue with its cache), `cart_state.py` (whose cart an id is, and cart reads
with HEAD revalidation), `carts.py` (cart writes, redemptions, meta, addresses, sharing),
`bodies.py` (request bodies) and `orders.py` (checkout on the order ledger). This module puts
them together and declares what the provider can do.

Identity and sessions. Fynd ties a cart to a Fynd user session (cookies from Fynd's login APIs);
the storefront has its own accounts and no Fynd user session, so every cart call names the cart
with `?id=` (its id is `CartContext.cart_id`, kept in the Django session by carts/session.py, never
in a URL). A cart endpoint is never called without an id, except "add" with `new_cart: true`, so
two shoppers can never land in one anonymous application-level cart. A signed-in customer's cart
id is also stored in FyndCart, so the cart follows them to another browser; at sign-in the
anonymous cart is either adopted (the customer had none) or its lines are added to the customer's
cart in one POST. Addresses a customer saves are recorded in FyndAddress and lists are filtered by
it. Loyalty points need a signed-in customer; the points Fynd reports are those of the
application-level session, since no Fynd user is forwarded.

Cheap reads. A cart body is cached per (cart, buy-now, pincode, order type) with its
Last-Modified (the GET's header, else the body's `last_modified`, compared to the second) for
CART_CACHE_SECONDS. A cached cart is revalidated with the documented HEAD, so an unchanged cart
costs one HEAD; every mutation caches and returns the cart its answer carries (one more GET only
when an answer leaves out `items`/`breakup_values`, e.g. DELETE coupon takes no `i`/`b`).
Catalogue answers are cached per account for settings.CATALOGUE_CACHE_SECONDS.

Upstream calls per action (cart body cached = the shopper has seen the cart recently):

| action                                   | calls                                                    |
| ---------------------------------------- | -------------------------------------------------------- |
| view cart, no cart yet                   | 0                                                        |
| view cart, unchanged and cached          | 1 HEAD                                                   |
| view cart, first view or changed         | 1 GET (+1 HEAD before it when a stale copy was cached)  |
| header count (cart_count)                | 1 GET basic (0 without a cart)                           |
| add to cart / buy now                    | 1 POST detail                                            |
| update quantity or size, remove          | 1 PUT detail (+1 GET when the cart body is not cached)  |
| clear cart                               | 1 PUT cart_archive                                       |
| list coupons                             | 1 GET coupon                                             |
| apply coupon                             | 1 POST coupon                                            |
| remove coupon                            | 1 DELETE coupon (+1 GET if the answer has no items)     |
| apply / remove loyalty points            | 1 POST redeem/points/ (or redeem)                        |
| update cart meta                         | 1 PUT meta + 1 GET detail (+1 GET when not cached)      |
| list saved addresses                     | 1 GET address (0 for guests and customers with none)    |
| add an address (set_address)             | 1 POST address + 1 POST select-address                   |
| select a saved address                   | 1 POST select-address                                    |
| place order (carts.services re-reads)    | 1 HEAD (the re-read) + 1 POST checkout                   |
| same idempotency key again               | 0                                                        |
| sign-in, customer had no Fynd cart       | 1 HEAD or GET (the anonymous cart is adopted)            |
| sign-in, customer had a cart             | 1 HEAD or GET (anonymous cart) + 1 POST detail           |
| product list / home (uncached)           | 1 GET categories + 1 GET products (0 while cached)       |
| product page (uncached)                  | 1 GET detail + 1 GET sizes (+1 GET price per size when |
|                                          | the sizes differ in price)                               |
| delivery check on a product (uncached)   | 1 GET v3 price for the first in-stock size               |
| ping (`provider test`)                   | 1 GET products?page_size=1                               |

Checkout (orders.py). Fynd's checkout takes no idempotency key, so orders go through the shared
order ledger (storefront.ledger.place_once): the attempt is recorded before the one POST (never
retried), a second submit of the key gets the placed order back and never reaches Fynd, and an
attempt whose answer was lost (timeout, dropped connection, 5xx after the commit) is reconciled
from the cart Fynd checked out, as FyndOrders.reconcile_order describes. The key also travels in
`custom_meta` / `meta` of the checkout body, so an order can be traced back to it. Payment is
cash on delivery (`payment_mode: COD`); Fynd's payment-mode APIs are not in the contract. Order
pages show the order as placed (the ledger keeps the cart Fynd answered with), since Fynd's order
API is not part of the contract either.
"""

from __future__ import annotations

from storefront.providers.types import Capability, ShopPolicy

from .carts import FyndCarts
from .catalogue import FyndCatalogue
from .orders import FyndOrders


class FyndProvider(FyndCatalogue, FyndCarts, FyndOrders):
    kind = "fynd"
    # What fynd.md documents for the storefront. Not declared: GIFT_CARDS (no apply endpoint, only
    # a breakup value), STORE_CREDIT (PATCH detail exists only in the newest SDKs and the cart
    # carries no balance to show), VOUCHERS (another provider's role). PAYMENT_CHARGES: Fynd adds
    # the cash-on-delivery charge only when asked (`c=true`), so checkout reads the cart that way
    # and the total the customer agrees to is the total Fynd charges.
    capabilities = frozenset(
        {
            Capability.CATALOGUE,
            Capability.CART,
            Capability.SIZE_CHANGE,
            Capability.DELIVERY_PROMISE,
            Capability.COUPONS,
            Capability.LOYALTY,
            Capability.CART_META,
            Capability.ADDRESSES,
            Capability.CHECKOUT,
            Capability.PAYMENT_CHARGES,
            Capability.ORDER_LEDGER,
            Capability.BUY_NOW,
            Capability.SHARE_CART,
        }
    )
    # the storefront promises no free-delivery threshold for Fynd: Fynd prices delivery per cart
    policy = ShopPolicy()
