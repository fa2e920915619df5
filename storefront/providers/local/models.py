"""The embedded store's data: catalogue, stock, serviceability and carts, in our own database."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from .catalogue_version import catalogue_changed

GST_RATES = [(0, "0 %"), (5, "5 %"), (12, "12 %"), (18, "18 %"), (28, "28 %")]


# ---------------------------------------------------------------------------- catalogue

# Columns every cart read takes from the database, never from the catalogue cache: a write of only
# these leaves the catalogue version alone (checkout and cancellation write only stock).
FRESH_COLUMNS = frozenset({"stock"})


def _changes_cached_columns(fields) -> bool:
    return fields is None or not FRESH_COLUMNS.issuperset(fields)


class CatalogueQuerySet(models.QuerySet):
    """Bulk writes to catalogue rows replace the catalogue version (catalogue_version.py), as
    single-row saves do; the processes' catalogue caches then reload what they hold."""

    def update(self, **kwargs):
        rows = super().update(**kwargs)
        if rows and _changes_cached_columns(kwargs):
            catalogue_changed()
        return rows

    def bulk_update(self, objs, fields, *args, **kwargs):
        rows = super().bulk_update(objs, fields, *args, **kwargs)
        if rows and _changes_cached_columns(fields):
            catalogue_changed()
        return rows

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        if created:
            catalogue_changed()
        return created

    def delete(self):
        deleted = super().delete()
        if deleted[0]:
            catalogue_changed()
        return deleted


class CatalogueRow(models.Model):
    """A product, size, brand or category: what the catalogue cache holds, so every write to it
    replaces the catalogue version (admin edits, seed and import commands, code)."""

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        if _changes_cached_columns(kwargs.get("update_fields")):
            catalogue_changed()

    def delete(self, *args, **kwargs):
        deleted = super().delete(*args, **kwargs)
        catalogue_changed()
        return deleted


class Category(CatalogueRow):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=80)
    position = models.PositiveSmallIntegerField(default=0)
    size_chart = models.TextField(
        blank=True,
        help_text=(
            "Shown as a size chart on this category's product pages. One row per line, cells"
            " separated by |, the first row is the heading, e.g. 'Size | Chest (in) | Length (in)'."
            " Empty: no size chart."
        ),
    )

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Brand(CatalogueRow):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=80)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Product(CatalogueRow):
    slug = models.SlugField(unique=True, max_length=120)
    name = models.CharField(max_length=160)
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="products")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    description = models.TextField(blank=True)
    image = models.CharField(max_length=200, help_text="static path of the product image")
    mrp = models.DecimalField(max_digits=12, decimal_places=2, help_text="MRP, GST inclusive")
    price = models.DecimalField(max_digits=12, decimal_places=2, help_text="selling price, GST inclusive")
    gst_rate = models.PositiveSmallIntegerField(choices=GST_RATES, default=18)
    hsn_code = models.CharField(max_length=8, blank=True)
    has_sizes = models.BooleanField(default=False)
    min_quantity = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    max_quantity = models.PositiveSmallIntegerField(default=10, validators=[MinValueValidator(1)])
    increment = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    featured = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["category", "name"])]

    def __str__(self) -> str:
        return self.name


class Variant(CatalogueRow):
    """A size (or the one 'standard' variant of a product without sizes), with its own stock."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    label = models.CharField(max_length=40)
    sku = models.CharField(max_length=40, unique=True)
    mrp = models.DecimalField(max_digits=12, decimal_places=2)
    price = models.DecimalField(max_digits=12, decimal_places=2)
    stock = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["product_id", "position", "id"]

    def __str__(self) -> str:
        return f"{self.product} — {self.label}"


class Pincode(models.Model):
    code = models.CharField(max_length=6, primary_key=True)
    city = models.CharField(max_length=80)
    state = models.CharField(max_length=80)
    serviceable = models.BooleanField(default=True)
    min_days = models.PositiveSmallIntegerField(default=2, validators=[MaxValueValidator(30)])
    max_days = models.PositiveSmallIntegerField(default=5, validators=[MaxValueValidator(30)])

    def __str__(self) -> str:
        return f"{self.code} {self.city}"


class LocalCart(models.Model):
    class Status(models.TextChoices):
        OPEN = "open"
        MERGED = "merged"
        ORDERED = "ordered"
        SHARED = "shared"  # a frozen copy behind a share link

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="local_carts"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    buy_now = models.BooleanField(default=False)
    pincode = models.CharField(max_length=6, blank=True)
    staff_user = models.CharField(max_length=150, blank=True)
    # the browser session an anonymous cart belongs to: two tabs adding at once find one cart
    session_key = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="open", buy_now=False),
                name="one_open_cart_per_customer",
            ),
            models.UniqueConstraint(
                fields=["session_key"],
                condition=models.Q(status="open", buy_now=False, user__isnull=True)
                & ~models.Q(session_key=""),
                name="one_open_anonymous_cart_per_session",
            ),
        ]


class LocalCartLine(models.Model):
    cart = models.ForeignKey(LocalCart, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    price_at_add = models.DecimalField(max_digits=12, decimal_places=2)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [models.UniqueConstraint(fields=["cart", "variant"], name="one_line_per_variant")]


# ---------------------------------------------------------------------------- redemptions


class Coupon(models.Model):
    class Kind(models.TextChoices):
        PERCENT = "percent", "Percentage off"
        FLAT = "flat", "Flat amount off"

    code = models.CharField(max_length=32, unique=True)
    title = models.CharField(max_length=120)
    description = models.CharField(max_length=240, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.DecimalField(max_digits=10, decimal_places=2, help_text="percent, or rupees for flat")
    max_discount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    min_cart_value = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    per_customer_limit = models.PositiveIntegerField(null=True, blank=True)
    total_limit = models.PositiveIntegerField(null=True, blank=True)
    used_count = models.PositiveIntegerField(default=0)
    categories = models.ManyToManyField(Category, blank=True, help_text="empty: every category")
    products = models.ManyToManyField(Product, blank=True, help_text="empty: every product")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class LoyaltyAccount(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="loyalty")
    points = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.user} — {self.points} points"


class StoreCredit(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="store_credit"
    )
    balance = models.DecimalField(max_digits=12, decimal_places=2, default=0)

    def __str__(self) -> str:
        return f"{self.user} — ₹{self.balance}"


class GiftCard(models.Model):
    code = models.CharField(max_length=32, unique=True)
    pin_hash = models.CharField(max_length=128, help_text="hashed; the pin itself is never stored")
    balance = models.DecimalField(max_digits=12, decimal_places=2)
    expires_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"…{self.code[-4:]}"


class Store(models.Model):
    name = models.CharField(max_length=120)
    address = models.CharField(max_length=240)
    city = models.CharField(max_length=80)
    state = models.CharField(max_length=80)
    pincode = models.CharField(max_length=6)
    phone = models.CharField(max_length=15, blank=True)

    def __str__(self) -> str:
        return self.name


class Address(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="addresses"
    )
    name = models.CharField(max_length=120)
    phone = models.CharField(max_length=15)
    line1 = models.CharField(max_length=200)
    line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=80)
    state = models.CharField(max_length=80)
    pincode = models.CharField(max_length=6)
    country = models.CharField(max_length=60, default="India")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "addresses"

    def __str__(self) -> str:
        return f"{self.name}, {self.city} {self.pincode}"


class CartRedemptions(models.Model):
    """What the shopper asked for on a cart; amounts are recomputed on every read."""

    cart = models.OneToOneField(LocalCart, on_delete=models.CASCADE, related_name="redemptions")
    coupon = models.ForeignKey(Coupon, null=True, blank=True, on_delete=models.SET_NULL)
    points_requested = models.PositiveIntegerField(null=True, blank=True)
    points_all = models.BooleanField(default=False)
    use_credit = models.BooleanField(default=False)
    has_gift_cards = models.BooleanField(default=False, help_text="saves a query on carts without cards")
    gift_message = models.CharField(max_length=200, blank=True)
    gstin = models.CharField(max_length=15, blank=True)
    business_name = models.CharField(max_length=120, blank=True)
    comment = models.CharField(max_length=500, blank=True)
    order_type = models.CharField(max_length=16, default="HomeDelivery")
    pickup_store = models.ForeignKey(Store, null=True, blank=True, on_delete=models.SET_NULL)
    pickup_name = models.CharField(max_length=120, blank=True)
    pickup_phone = models.CharField(max_length=15, blank=True)
    shipping_address = models.ForeignKey(
        Address, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    billing_address = models.ForeignKey(
        Address, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )


class CartGiftCard(models.Model):
    cart = models.ForeignKey(LocalCart, on_delete=models.CASCADE, related_name="gift_cards")
    gift_card = models.ForeignKey(GiftCard, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "gift_card"], name="one_use_of_a_card_per_cart")
        ]


# ---------------------------------------------------------------------------- orders


class Order(models.Model):
    class Status(models.TextChoices):
        PLACED = "placed", "Placed"
        CANCELLED = "cancelled", "Cancelled"

    number = models.CharField(max_length=20, unique=True)
    idempotency_key = models.CharField(max_length=64, unique=True)
    cart = models.OneToOneField(LocalCart, on_delete=models.PROTECT, related_name="order")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="local_orders",
    )
    email = models.EmailField(blank=True)
    guest_token = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLACED)
    payment_mode = models.CharField(max_length=24)
    order_type = models.CharField(max_length=16, default="HomeDelivery")
    total = models.DecimalField(max_digits=12, decimal_places=2)
    breakup = models.JSONField(help_text="the breakup rows as shown when the order was placed")
    shipping_address = models.JSONField(null=True, blank=True)
    pickup_store = models.ForeignKey(Store, null=True, blank=True, on_delete=models.SET_NULL)
    meta = models.JSONField(default=dict, blank=True)
    coupon = models.ForeignKey(
        Coupon, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    points_used = models.PositiveIntegerField(default=0)
    credit_used = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    gift_card_uses = models.JSONField(default=list, blank=True)
    delivery_min = models.DateTimeField(null=True, blank=True)
    delivery_max = models.DateTimeField(null=True, blank=True)
    placed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-placed_at"]
        indexes = [models.Index(fields=["user", "-placed_at"])]

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, null=True, on_delete=models.SET_NULL, related_name="+")
    product_name = models.CharField(max_length=160)
    product_slug = models.CharField(max_length=120, blank=True)
    image = models.CharField(max_length=200, blank=True)
    variant_label = models.CharField(max_length=40)
    quantity = models.PositiveIntegerField()
    unit_mrp = models.DecimalField(max_digits=12, decimal_places=2)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    line_total = models.DecimalField(max_digits=12, decimal_places=2)
    gst_rate = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["id"]


from .voucher_models import *  # noqa: E402,F403 - the local voucher provider's tables (voucher_models.py)
