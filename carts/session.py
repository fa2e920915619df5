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


BUY_NOW_PARAM = "buy-now"  # forms on the buy-now checkout carry cart=buy-now


@dataclass
class CartSession:
    """The shopper's carts as the session knows them. `buy_now` picks the separate buy-now cart,
    which forms on the buy-now checkout name with a `cart=buy-now` field."""

    session: SessionBase
    user: object = None
    buy_now: bool = False
    staff_user: str = ""

    @classmethod
    def of(cls, request, *, buy_now: bool | None = None) -> CartSession:
        if buy_now is None:
            buy_now = BUY_NOW_PARAM in (request.POST.get("cart"), request.GET.get("cart"))
        return cls(session=request.session, user=getattr(request, "user", None), buy_now=buy_now)

    def context(self, *, buy_now: bool | None = None, with_payment_charges: bool = False) -> CartContext:
        buy_now = self.buy_now if buy_now is None else buy_now
        return CartContext(
            cart_id=self.session.get(BUY_NOW_ID if buy_now else CART_ID),
            customer=customer_for(self.user),
            pincode=self.session.get(PINCODE, ""),
            buy_now=buy_now,
            staff_user=self.staff_user,
            session_key=self.session.session_key or "",
            with_payment_charges=with_payment_charges,
        )

    def fresh_buy_now(self) -> CartSession:
        """A new, empty buy-now cart (the previous one is left behind)."""
        self.session.pop(BUY_NOW_ID, None)
        return CartSession(session=self.session, user=self.user, buy_now=True, staff_user=self.staff_user)

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
        key = BUY_NOW_ID if self.buy_now else CART_ID
        if cart.id and self.session.get(key) != cart.id:
            self.session[key] = cart.id
        if not self.buy_now:
            self.remember_count(cart.count)

    def remember_count(self, count: int) -> None:
        if self.session.get(COUNT) != count:
            self.session[COUNT] = count

    def forget_cart(self) -> None:
        """After an order: the cart is closed, the next visit starts a fresh one."""
        if self.buy_now:
            self.session.pop(BUY_NOW_ID, None)
            return
        self.session.pop(CART_ID, None)
        self.session[COUNT] = 0
