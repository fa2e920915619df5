"""CommerceEngineProvider: the storefront's catalogue, carts, redemptions, OTP sign-in, orders
and hosted payment on Commerce Engine's storefront API (../shared/providers/commerce_engine.md).

`client.py` makes the calls, `mapping.py` reads the answers, `tokens.py` keeps each shopper's
Commerce Engine tokens (guest: the session data; customer: their shopper link; both encrypted),
and the provider is split by job: `common.py` (which Commerce Engine user a call is for),
`catalogue.py`, `carts.py` (lines, expiry, sign-in merge, sign-out), `redemptions.py` (coupons,
points, credit, gift cards, addresses), `orders.py` (the ledger and payment) and `signin.py`
(OTP). See the README's "Commerce Engine" section for the set-up and the call budget.
"""

from __future__ import annotations

from storefront.providers.types import Capability, ShopPolicy

from .signin import CommerceEngineSignIn

BASE_CAPABILITIES = frozenset(
    {
        Capability.CATALOGUE,
        Capability.CART,
        Capability.COUPONS,
        Capability.LOYALTY,
        Capability.STORE_CREDIT,
        Capability.ADDRESSES,
        Capability.CHECKOUT,
        Capability.ORDER_LEDGER,
        Capability.SHOPPER_LINKS,
        Capability.HOSTED_PAYMENT,
        Capability.OTP_SIGN_IN,
    }
)


class CommerceEngineProvider(CommerceEngineSignIn):
    kind = "commerce_engine"
    # Not declared: SIZE_CHANGE (a line is one variant; change it by adding the other), CART_META
    # and pick-up (no gift message/GSTIN fields; store list needs fulfillment-options per cart),
    # BUY_NOW (one active cart per user), SHARE_CART, DELIVERY_PROMISE (no per-product ETA).
    # GIFT_CARDS only with the account key `gift_cards=on`: the calls are in the older docs only.
    capabilities = BASE_CAPABILITIES
    # Commerce Engine prices may be without GST (`price_including_tax`): the footer does not promise it
    policy = ShopPolicy(prices_include_gst=False)

    def __init__(self, account, **kwargs):
        super().__init__(account, **kwargs)
        if self.gift_cards_on:
            self.capabilities = BASE_CAPABILITIES | {Capability.GIFT_CARDS}
