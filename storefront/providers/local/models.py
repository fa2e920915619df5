"""The embedded store's data: catalogue, stock, serviceability and carts, in our own database."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

GST_RATES = [(0, "0 %"), (5, "5 %"), (12, "12 %"), (18, "18 %"), (28, "28 %")]


class Category(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=80)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Brand(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=80)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
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


class Variant(models.Model):
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

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="local_carts"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    buy_now = models.BooleanField(default=False)
    pincode = models.CharField(max_length=6, blank=True)
    staff_user = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="open", buy_now=False),
                name="one_open_cart_per_customer",
            )
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
