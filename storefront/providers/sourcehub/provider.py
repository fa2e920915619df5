"""SourceHubProvider: a B2B wholesale shop on the SourceHub API (../shared/providers/sourcehub.md,
seed seeds/001): business buyers (kirana stores, resellers) order packs priced by pricing sets,
with GST and HSN, from their own SourceHub cart.

`client.py` makes the calls (bearer token, SourceHub's envelope, 429 back-off), `mapping.py`
reads the answers and holds THE pricing rule (`pack_price`), and the provider is split by job:
`buyers.py` (which SourceHub customer a user is, and what they may do), `catalogue.py`,
`carts.py` (cart writes, pack switches, the GSTIN kept by the storefront) and `orders.py`
(orders on the ledger, reconciled from the cart and the day's orders).

Upstream calls per action (catalogue cached = seen within CATALOGUE_CACHE_SECONDS; the buyer's
record is cached 15 minutes; "link" = the first time a signed-in user is seen, or a pending
approval re-asked at most every 5 minutes):

| action                                   | calls                                                   |
| ---------------------------------------- | ------------------------------------------------------- |
| product list / home (uncached)           | 1 GET products?count=100 per 100 products (0 cached)    |
| product page (uncached)                  | 1 GET products/{id} (0 cached)                          |
| product page, signed-in user not linked  | + 1 POST customers/show (once; unknown emails 5 min)    |
| view cart / header count                 | 1 GET carts (+1 GET products when the list is uncached) |
| view cart, anonymous or unknown buyer    | 0                                                       |
| add to cart                              | 1 POST cart/add-item                                    |
| change quantity, remove                  | 1 POST cart/update-item (+1 GET carts when refused)    |
| switch a line to another pack            | 1 POST cart/add-item + 1 POST cart/update-item (0)      |
|                                          | (+1 GET carts when the cart body is not cached)         |
| clear cart                               | 1 GET carts + 1 POST cart/update-item per line          |
| save GSTIN / business name               | 1 GET carts (the details are ours: no SourceHub call)   |
| place order (carts.services re-reads)    | 1 GET carts (the re-read) + 1 GET carts + 1 POST        |
|                                          | orders/create                                           |
| same idempotency key again               | 0                                                       |
| reconcile a lost answer                  | 1 GET carts (+1 GET orders?phone_number= when emptied)  |
| orders list / one order                  | 0 (the ledger keeps them)                               |
| ping (`provider test`)                   | 1 GET products?count=1                                  |

Capabilities. Declared: CATALOGUE, CART, SIZE_CHANGE (a line switches pricing set), CART_META
(the GSTIN, business name and a note, kept by the storefront), CHECKOUT and ORDER_LEDGER,
SHOPPER_LINKS (users are linked to SourceHub customers) and BUYER_ACCESS (only approved business
buyers fill a cart and order). Not declared, because the API has none: COUPONS, LOYALTY,
GIFT_CARDS, STORE_CREDIT, SHARE_CART, ADDRESSES (orders go to the customer's registered address,
shown at checkout), DELIVERY_PROMISE, BUY_NOW, PAYMENT_CHARGES.
"""

from __future__ import annotations

from storefront.providers.types import Capability

from .orders import SourceHubOrders


class SourceHubProvider(SourceHubOrders):
    kind = "sourcehub"
    capabilities = frozenset(
        {
            Capability.CATALOGUE,
            Capability.CART,
            Capability.SIZE_CHANGE,
            Capability.CART_META,
            Capability.CHECKOUT,
            Capability.ORDER_LEDGER,
            Capability.SHOPPER_LINKS,
            Capability.BUYER_ACCESS,
        }
    )
