"""Assisted selling (who may act for a customer, who did what) and share links."""

from __future__ import annotations

from django.conf import settings
from django.db import models

PERM_ASSIST = "carts.assist_customer"
PERM_PLACE_ORDER = "carts.place_order_on_behalf"


class AssistPermission(models.Model):
    """Holds the assisted-selling permissions (no table): `assist_customer` opens /staff/ and lets
    staff build a customer's cart; `place_order_on_behalf` also lets them place the order."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("assist_customer", "Can build and edit carts on a customer's behalf"),
            ("place_order_on_behalf", "Can place an order on a customer's behalf while assisting"),
        ]


class StaffProfile(models.Model):
    """How a member of staff is named to customers: "Prepared for you by Priya at the
    Indiranagar store". Without a profile the user's first name is used, and no store."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    display_name = models.CharField(max_length=60, help_text="shown to customers, e.g. Priya")
    store_name = models.CharField(max_length=80, blank=True, help_text="e.g. Indiranagar")
    employee_code = models.CharField(max_length=40, blank=True, help_text="sent to providers that take it")

    def __str__(self) -> str:
        return f"{self.display_name} ({self.store_name})" if self.store_name else self.display_name


class CustomerRecord(models.Model):
    """What staff need to find a customer besides their email: a phone number (digits only, the
    last ten of an Indian mobile number), and who created the record when staff did."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="customer_record"
    )
    phone = models.CharField(max_length=15, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} {self.phone}".strip()


class AssistEvent(models.Model):
    """The audit trail of assisted selling: one row per change a member of staff made while
    acting for a customer (and the start and end of each assist). `summary` and `details` say what
    changed in words and plain values; never a pin, token, password or confirmation code. Rows are
    never edited or deleted from the application (admin shows them read-only)."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="assist_events_made"
    )
    staff_email = models.EmailField(blank=True)  # kept if the user is deleted
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="assist_events"
    )
    customer_email = models.EmailField(blank=True)
    provider = models.CharField(max_length=80, blank=True, help_text="the provider account acted on")
    cart_id = models.CharField(max_length=120, blank=True)
    action = models.CharField(max_length=40)
    summary = models.CharField(max_length=300)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("-at", "-pk")
        default_permissions = ("view",)
        indexes = [models.Index(fields=("provider", "cart_id", "-at"), name="assist_event_cart")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.staff_email} for {self.customer_email}: {self.action}"


class ShareLink(models.Model):
    """A link to a copy of a cart (`/cart/shared/<token>/`), ours on top of the provider's share:
    the provider keeps the items behind its own token (`provider_token`, never shown), we keep who
    may withdraw the link, when it stops working, and what the items cost when it was made.

    The token in the URL is 256 random bits; only its SHA-256 is stored, so the database cannot
    give links away (the owner sees the link once, when it is made). `snapshot` holds each line's
    product, size, quantity and unit price at sharing time, nothing about the sharer."""

    token_hash = models.CharField(max_length=64, unique=True)
    provider = models.CharField(max_length=80, help_text="the provider account the cart lives on")
    provider_token = models.CharField(max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="share_links"
    )
    owner_key = models.CharField(max_length=64, blank=True, help_text="a guest owner's browser")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="the member of staff who made it while assisting the owner",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    item_count = models.PositiveIntegerField(default=0)
    snapshot = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        indexes = [models.Index(fields=("owner", "expires_at"), name="share_link_owner")]

    def __str__(self) -> str:
        return f"share link {self.pk} ({self.item_count} items, until {self.expires_at:%Y-%m-%d})"


class BusinessDetails(models.Model):
    """What a business buyer gave the storefront for its invoices, per provider account and the
    provider's customer id: the GSTIN, the business name on the invoice and a note. Kept here
    for providers whose API has no cart meta call (SourceHub): the cart and the order show it,
    and an order keeps what was current when it was placed."""

    account = models.ForeignKey(
        "storefront.ProviderAccount", on_delete=models.CASCADE, related_name="business_details"
    )
    customer_ref = models.CharField(max_length=128, help_text="the provider's customer id")
    gstin = models.CharField(max_length=15, blank=True)
    business_name = models.CharField(max_length=200, blank=True)
    comment = models.TextField(blank=True, max_length=500)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "business details"
        constraints = [
            models.UniqueConstraint(
                fields=["account", "customer_ref"], name="one_business_detail_per_customer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.business_name or self.customer_ref} {self.gstin}".strip()
