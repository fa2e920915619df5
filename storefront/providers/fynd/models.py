"""What the storefront keeps about Fynd carts, addresses and orders, server-side.

Fynd resolves a cart from the Fynd user's session cookies plus `?id=`; the storefront has its own
customer accounts and no Fynd user session, so it names every cart by id and remembers here:

- FyndCart: whose cart an id is (the signed-in customer's cart follows them across devices and is
  merged into at sign-in), and what Fynd's cart body does not echo back (order type, the selected
  delivery and billing addresses, the member of our staff who prepared it).
- FyndAddress: which Fynd address ids belong to which customer (address lists are filtered by it,
  so one customer never sees another's addresses whatever Fynd's anonymous scope holds).
Orders live in the shared order ledger (storefront.models.OrderAttempt).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class FyndCart(models.Model):
    account = models.ForeignKey("storefront.ProviderAccount", on_delete=models.CASCADE, related_name="+")
    cart_id = models.CharField(max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    buy_now = models.BooleanField(default=False)
    is_open = models.BooleanField(default=True)
    order_type = models.CharField(max_length=16, blank=True)
    staff_user = models.CharField(max_length=150, blank=True)  # who on our staff last edited it
    shipping_address = models.JSONField(null=True, blank=True)
    billing_address = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "cart_id"], name="fynd_cart_once")]
        indexes = [models.Index(fields=["account", "user", "buy_now", "is_open", "-updated_at"])]

    def __str__(self) -> str:
        return f"Fynd cart {self.cart_id}"


class FyndAddress(models.Model):
    account = models.ForeignKey("storefront.ProviderAccount", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    address_id = models.CharField(max_length=64)
    snapshot = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "user", "address_id"], name="fynd_address_once")
        ]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Fynd address {self.address_id}"
