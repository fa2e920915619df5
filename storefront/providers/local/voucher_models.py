"""The local voucher provider's own tables (app label `localshop`): the brands it sells, their
denominations, and the orders it took with the codes it issued. They are the embedded provider's
"upstream": the storefront keeps its own copy of every order (vouchers.models) and reads these only
through LocalVoucherProvider. Imported at the end of `models.py`, so Django finds them in the app.

Codes and pins are bearer secrets: stored encrypted (storefront.crypto, the same keys as
provider credentials), never in a repr, an admin list or a log line."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from storefront import crypto

__all__ = ["LocalVoucherBrand", "LocalVoucherDenomination", "LocalVoucherOrder", "LocalVoucherCode"]


class LocalVoucherBrand(models.Model):
    slug = models.SlugField(unique=True, max_length=60, help_text="the product id in URLs")
    name = models.CharField(max_length=80)
    category = models.CharField(max_length=60)
    logo = models.CharField(max_length=200, blank=True, help_text="a static path or an https URL")
    description = models.TextField(blank=True, help_text="may hold simple HTML (sanitised when shown)")
    terms = models.TextField(blank=True)
    how_to_redeem = models.TextField(blank=True)
    expiry_days = models.PositiveIntegerField(default=365)
    rank = models.PositiveSmallIntegerField(default=100)
    active = models.BooleanField(default=True)
    # a custom face value between these bounds, at this discount (off when custom_max is 0)
    custom_min = models.PositiveIntegerField(default=0)
    custom_max = models.PositiveIntegerField(default=0)
    custom_discount = models.DecimalField(
        max_digits=5, decimal_places=2, default=0, validators=[MinValueValidator(0), MaxValueValidator(90)]
    )
    custom_max_quantity = models.PositiveSmallIntegerField(default=5)
    # demo: how long the local provider takes to issue this brand's vouchers
    fulfil_seconds = models.PositiveSmallIntegerField(default=3)

    class Meta:
        ordering = ["rank", "name"]
        verbose_name = "voucher brand"

    def __str__(self) -> str:
        return self.name


class LocalVoucherDenomination(models.Model):
    brand = models.ForeignKey(LocalVoucherBrand, on_delete=models.CASCADE, related_name="denominations")
    face_value = models.PositiveIntegerField()
    discount = models.DecimalField(
        max_digits=5, decimal_places=2, default=0, validators=[MinValueValidator(0), MaxValueValidator(90)]
    )
    max_quantity = models.PositiveSmallIntegerField(default=10)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["face_value"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "face_value"], name="one_local_denomination_per_value")
        ]
        verbose_name = "voucher denomination"

    def __str__(self) -> str:
        return f"{self.brand} ₹{self.face_value}"


class LocalVoucherOrder(models.Model):
    """An order the local provider took: one per storefront reference (unique, so a second
    create with the same reference is the same order)."""

    class Status(models.TextChoices):
        PROCESSING = "processing", "Processing"
        SUCCESS = "success", "Issued"
        FAILED = "failed", "Failed"

    reference = models.CharField(max_length=40, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PROCESSING)
    items = models.JSONField(default=list)  # [{position, product_id, denomination_id, face_value, quantity}]
    total = models.DecimalField(max_digits=12, decimal_places=2)
    ready_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    issued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "voucher order (local provider)"

    def __str__(self) -> str:
        return self.reference


class LocalVoucherCode(models.Model):
    order = models.ForeignKey(LocalVoucherOrder, on_delete=models.CASCADE, related_name="codes")
    position = models.PositiveSmallIntegerField()  # the order line
    index = models.PositiveSmallIntegerField()  # the voucher within the line
    secret_encrypted = models.TextField(editable=False)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["position", "index"]
        constraints = [
            models.UniqueConstraint(fields=["order", "position", "index"], name="one_local_code_per_slot")
        ]
        verbose_name = "issued voucher (local provider)"

    def __str__(self) -> str:
        return f"{self.order.reference} line {self.position} #{self.index}"

    def __repr__(self) -> str:  # never the code or pin
        return f"<LocalVoucherCode {self.order_id}/{self.position}/{self.index}>"

    def secret(self) -> dict[str, str]:
        return crypto.decrypt(self.secret_encrypted)

    def set_secret(self, code: str, pin: str) -> None:
        self.secret_encrypted = crypto.encrypt({"code": code, "pin": pin})
