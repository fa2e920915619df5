"""The storefront's own voucher records: each customer's voucher cart, the voucher orders (one per
order-ledger attempt, with what was paid from which balance), the vouchers issued (code and pin
encrypted at rest) and every reveal (who, when).

The cart lives here, not at the provider: EnKash's cart is scoped to the token's user, and the
storefront buys through one partner login, so an EnKash cart would be every customer's at once.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from storefront import crypto
from storefront.models import OrderAttempt, ProviderAccount
from storefront.providers.types import VoucherStatus

STATUS_CHOICES = [(s.value, s.value.capitalize()) for s in VoucherStatus]
ZERO = Decimal("0.00")


def account_key(account: ProviderAccount | None) -> str:
    """Which provider account a cart belongs to: a cart's lines are that provider's products."""
    return str(account.pk) if account is not None else "local"


class VoucherCart(models.Model):
    """One voucher cart per customer and voucher provider account. `version` moves on every
    change: the place-order key names the version that was shown, so two tabs showing the same
    cart make one order, and a cart changed since it was shown is never ordered unseen."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="voucher_carts")
    account_key = models.CharField(max_length=32)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "account_key"], name="one_voucher_cart")]

    def __str__(self) -> str:
        return f"Voucher cart of {self.user} (v{self.version})"


class VoucherCartLine(models.Model):
    cart = models.ForeignKey(VoucherCart, on_delete=models.CASCADE, related_name="lines")
    product_id = models.CharField(max_length=64)
    denomination_id = models.CharField(max_length=64)
    face_value = models.DecimalField(max_digits=12, decimal_places=2)
    quantity = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cart", "product_id", "denomination_id", "face_value"],
                name="one_voucher_line_per_value",
            )
        ]

    def __str__(self) -> str:
        return f"{self.product_id} {self.denomination_id} ₹{self.face_value} × {self.quantity}"


class VoucherOrder(models.Model):
    """A customer's voucher order: written with its order-ledger attempt (same transaction, same
    reference) and the balances it took, then followed to a final status."""

    attempt = models.OneToOneField(OrderAttempt, on_delete=models.PROTECT, related_name="voucher_order")
    reference = models.CharField(max_length=32, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="voucher_orders"
    )
    account = models.ForeignKey(ProviderAccount, null=True, blank=True, on_delete=models.PROTECT)
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default=VoucherStatus.PENDING)
    face_total = models.DecimalField(max_digits=12, decimal_places=2)
    price_total = models.DecimalField(max_digits=12, decimal_places=2)
    paid_credit = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    paid_points = models.PositiveIntegerField(default=0)
    paid_points_value = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    refunded_amount = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    refunded_at = models.DateTimeField(null=True, blank=True)
    message = models.CharField(max_length=300, blank=True)  # why it failed, for the customer
    checked_at = models.DateTimeField(null=True, blank=True)  # last time we asked the provider
    checks = models.PositiveIntegerField(default=0)
    final_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("view_any_voucher_order", "Can open any customer's voucher order (codes stay masked)")
        ]
        indexes = [
            models.Index(fields=["status", "checked_at"]),
            models.Index(fields=["user", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"Voucher order {self.reference} ({self.status})"

    @property
    def is_final(self) -> bool:
        return VoucherStatus(self.status).is_final


class VoucherOrderLine(models.Model):
    order = models.ForeignKey(VoucherOrder, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    product_id = models.CharField(max_length=64)
    product_name = models.CharField(max_length=120)
    logo = models.CharField(max_length=300, blank=True)
    denomination_id = models.CharField(max_length=64)
    face_value = models.DecimalField(max_digits=12, decimal_places=2)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    quantity = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default=VoucherStatus.PENDING)
    upstream_id = models.CharField(max_length=64, blank=True)
    message = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["order", "position"], name="one_voucher_line_position")
        ]

    def __str__(self) -> str:
        return f"{self.product_name} ₹{self.face_value} × {self.quantity}"

    @property
    def line_price(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def line_face(self) -> Decimal:
        return self.face_value * self.quantity


class IssuedVoucher(models.Model):
    """One voucher the provider issued. Code and pin are encrypted together (storefront.crypto,
    CREDENTIALS_KEY); `hint` is the code's last four characters, all that shows until the owner
    reveals it."""

    order = models.ForeignKey(VoucherOrder, on_delete=models.CASCADE, related_name="vouchers")
    line = models.ForeignKey(VoucherOrderLine, on_delete=models.CASCADE, related_name="vouchers")
    index = models.PositiveSmallIntegerField()
    secret_encrypted = models.TextField(editable=False)
    hint = models.CharField(max_length=4, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["line__position", "index"]
        constraints = [models.UniqueConstraint(fields=["line", "index"], name="one_issued_voucher_per_slot")]

    def __str__(self) -> str:
        return f"Voucher …{self.hint}"

    def __repr__(self) -> str:  # never the code or the pin
        return f"<IssuedVoucher {self.pk} …{self.hint}>"

    @property
    def masked(self) -> str:
        return "•••• •••• •••• " + self.hint if self.hint else "••••"

    def set_secret(self, code: str, pin: str) -> None:
        self.secret_encrypted = crypto.encrypt({"code": code, "pin": pin})
        self.hint = code[-4:]

    def secret(self) -> dict[str, str]:
        return crypto.decrypt(self.secret_encrypted)


class VoucherReveal(models.Model):
    """Every reveal of a voucher's code and pin: who, when."""

    voucher = models.ForeignKey(IssuedVoucher, on_delete=models.CASCADE, related_name="reveals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    revealed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-revealed_at"]

    def __str__(self) -> str:
        return f"{self.user} revealed …{self.voucher.hint} at {self.revealed_at:%Y-%m-%d %H:%M}"
