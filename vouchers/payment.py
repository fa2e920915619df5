"""Paying for vouchers from the customer's balances on our side: store credit first, then loyalty
points at the store's rate (storefront/providers/local/pricing.POINT_VALUE, ₹0.25 a point). The
operator settles with the voucher provider.

The balances are the local store's wallet (localshop.StoreCredit, localshop.LoyaltyAccount), read
and written here under row locks, with their meaning unchanged: a balance in rupees, and whole
points. `take` runs inside the transaction that records the order attempt (ledger on_claim), so
an order is never recorded without its payment nor paid without its order; `give_back` returns
what an order (or part of it) did not deliver, once.

Points are whole: when points pay the rest, the part of the last point that is not needed comes
off the store credit taken, so the customer pays exactly the total (unless they have less credit
than that fraction, then the last point pays it).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from storefront.exceptions import StorefrontError
from storefront.money import ZERO, format_inr, quantize
from storefront.providers.local import models as wallet
from storefront.providers.local.pricing import POINT_VALUE

MSG_NOT_ENOUGH = (
    "Your balance doesn't cover this order: it costs {total} and your store credit and loyalty points "
    "are worth {available}. You need {missing} more; remove a voucher or lower a quantity."
)
MSG_SIGN_IN = "Sign in to buy gift vouchers: they are paid from your store credit and loyalty points."


class InsufficientBalance(StorefrontError):
    status = 409

    def __init__(self, *, total: Decimal, available: Decimal):
        self.missing = quantize(total - available)
        super().__init__(
            MSG_NOT_ENOUGH.format(
                total=format_inr(total), available=format_inr(available), missing=format_inr(self.missing)
            )
        )


@dataclass(frozen=True, slots=True)
class Balance:
    credit: Decimal
    points: int

    @property
    def points_value(self) -> Decimal:
        return quantize(self.points * POINT_VALUE)

    @property
    def total(self) -> Decimal:
        return self.credit + self.points_value


@dataclass(frozen=True, slots=True)
class Payment:
    credit: Decimal
    points: int

    @property
    def points_value(self) -> Decimal:
        return quantize(self.points * POINT_VALUE)

    @property
    def total(self) -> Decimal:
        return self.credit + self.points_value


def balance(user) -> Balance:
    credit = wallet.StoreCredit.objects.filter(user=user).values_list("balance", flat=True).first()
    points = wallet.LoyaltyAccount.objects.filter(user=user).values_list("points", flat=True).first()
    return Balance(credit=credit or ZERO, points=points or 0)


def split(total: Decimal, have: Balance) -> Payment:
    """How `total` is paid from `have`: credit first, then whole points. InsufficientBalance
    (with the shortfall) when both together do not cover it."""
    if total > have.total:
        raise InsufficientBalance(total=total, available=have.total)
    credit = min(have.credit, total)
    rest = total - credit
    if rest <= 0:
        return Payment(credit=credit, points=0)
    points = int((rest / POINT_VALUE).to_integral_value(rounding=ROUND_CEILING))
    over = points * POINT_VALUE - rest  # the part of the last point not needed
    return Payment(credit=max(credit - over, ZERO), points=points)


def take(user, total: Decimal) -> Payment:
    """Debit the customer's balances for `total` (in the caller's transaction, rows locked)."""
    credit_row = wallet.StoreCredit.objects.select_for_update().filter(user=user).first()
    points_row = wallet.LoyaltyAccount.objects.select_for_update().filter(user=user).first()
    have = Balance(
        credit=credit_row.balance if credit_row else ZERO, points=points_row.points if points_row else 0
    )
    payment = split(total, have)
    if payment.credit:
        credit_row.balance -= payment.credit
        credit_row.save(update_fields=["balance"])
    if payment.points:
        points_row.points -= payment.points
        points_row.save(update_fields=["points"])
    return payment


def give_back(user, *, amount: Decimal, paid: Payment) -> Payment:
    """Return `amount` (at most what was paid) in the caller's transaction: points first (they
    were taken last), in whole points, then store credit."""
    amount = min(amount, paid.total)
    points = min(paid.points, int((amount / POINT_VALUE).to_integral_value(rounding=ROUND_FLOOR)))
    credit = min(paid.credit, max(amount - points * POINT_VALUE, ZERO))
    if amount >= paid.total:
        points, credit = paid.points, paid.credit
    if credit:
        row, _ = wallet.StoreCredit.objects.select_for_update().get_or_create(user=user)
        row.balance += credit
        row.save(update_fields=["balance"])
    if points:
        row, _ = wallet.LoyaltyAccount.objects.select_for_update().get_or_create(user=user)
        row.points += points
        row.save(update_fields=["points"])
    return Payment(credit=quantize(credit), points=points)
