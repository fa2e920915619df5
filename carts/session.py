"""Where a shopper's cart handle lives: server-side, in the Django session, never in a URL."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.sessions.backends.base import SessionBase

from storefront.providers.base import CartContext, Customer
from storefront.providers.types import Cart

CART_ID = "cart:id"
BUY_NOW_ID = "cart:buy-now-id"
PINCODE = "cart:pincode"
COUNT = "cart:count"


def customer_for(user) -> Customer | None:
    if user is None or not user.is_authenticated:
        return None
    return Customer(id=str(user.pk), email=user.email, name=user.get_full_name())


@dataclass
class CartSession:
    session: SessionBase
    user: object = None

    @classmethod
    def of(cls, request) -> CartSession:
        return cls(session=request.session, user=getattr(request, "user", None))

    def context(self, *, buy_now: bool = False) -> CartContext:
        return CartContext(
            cart_id=self.session.get(BUY_NOW_ID if buy_now else CART_ID),
            customer=customer_for(self.user),
            pincode=self.session.get(PINCODE, ""),
            buy_now=buy_now,
        )

    @property
    def cart_id(self) -> str | None:
        return self.session.get(CART_ID)

    @property
    def count(self) -> int:
        return int(self.session.get(COUNT, 0))

    @property
    def pincode(self) -> str:
        return self.session.get(PINCODE, "")

    def remember_pincode(self, pincode: str) -> None:
        self.session[PINCODE] = pincode

    def remember(self, cart: Cart) -> None:
        """Keep the provider's cart id and its item count (for the header badge) in the session;
        writes only when something changed, so reads do not dirty the session."""
        if cart.id and self.session.get(CART_ID) != cart.id:
            self.session[CART_ID] = cart.id
        self.remember_count(cart.count)

    def remember_count(self, count: int) -> None:
        if self.session.get(COUNT) != count:
            self.session[COUNT] = count

    def forget_cart(self) -> None:
        self.session.pop(CART_ID, None)
        self.session.pop(COUNT, None)
