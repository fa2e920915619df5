from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MinValueValidator
from django.db import models, transaction

from . import crypto

ROLE_SHOP = "shop"
ROLE_VOUCHERS = "vouchers"
ROLE_CHOICES = [(ROLE_SHOP, "Shop (catalogue and cart)"), (ROLE_VOUCHERS, "Gift vouchers")]
_ACTIVE_CACHE_KEY = "storefront:active-account:{role}"
_ACTIVE_CACHE_SECONDS = 30


class ProviderKind(models.TextChoices):
    LOCAL = "local", "Local (embedded demo store)"
    FYND = "fynd", "Fynd Platform"
    COMMERCE_ENGINE = "commerce_engine", "Commerce Engine"
    SOURCEHUB = "sourcehub", "SourceHub"
    ENKASH = "enkash", "EnKash (gift vouchers)"


SHOP_KINDS = {ProviderKind.LOCAL, ProviderKind.FYND, ProviderKind.COMMERCE_ENGINE, ProviderKind.SOURCEHUB}
VOUCHER_KINDS = {ProviderKind.LOCAL, ProviderKind.ENKASH}
ROLE_KINDS = {ROLE_SHOP: SHOP_KINDS, ROLE_VOUCHERS: VOUCHER_KINDS}

REQUIRED_KEYS: dict[str, tuple[str, ...]] = {
    ProviderKind.LOCAL: (),
    ProviderKind.FYND: ("application_id", "application_token"),
    ProviderKind.COMMERCE_ENGINE: ("store_id", "api_key"),
    ProviderKind.SOURCEHUB: ("token",),
    ProviderKind.ENKASH: ("client_id", "client_secret", "username", "password"),
}
# Keys whose values are not secret and may be shown back (everything else is masked).
PUBLIC_KEYS = {
    "application_id",
    "store_id",
    "currency_code",
    "ordering_source",
    "auth_base_url",
    "client_id",
    "username",
}


def default_connect_timeout() -> float:
    """A new account's connect timeout: settings.PROVIDER_TIMEOUT (PROVIDER_CONNECT_TIMEOUT)."""
    return float(settings.PROVIDER_TIMEOUT[0])


def default_read_timeout() -> float:
    """A new account's read timeout: settings.PROVIDER_TIMEOUT (PROVIDER_READ_TIMEOUT)."""
    return float(settings.PROVIDER_TIMEOUT[1])


def mask(value: str) -> str:
    if not value:
        return ""
    return "•" * 8 + (value[-2:] if len(value) > 8 else "")


class ProviderAccountQuerySet(models.QuerySet):
    def active(self, role: str = ROLE_SHOP) -> ProviderAccount | None:
        """The account active for `role`, cached briefly (every storefront request asks once);
        None when none is (the embedded `local` provider then serves the shop)."""
        key = _ACTIVE_CACHE_KEY.format(role=role)
        account = cache.get(key)
        if account is None:
            field = "active_for_shop" if role == ROLE_SHOP else "active_for_vouchers"
            account = self.filter(**{field: True}).first() or False
            cache.set(key, account, _ACTIVE_CACHE_SECONDS)
        return account or None


def forget_active_accounts() -> None:
    cache.delete_many([_ACTIVE_CACHE_KEY.format(role=role) for role, _ in ROLE_CHOICES])


class ProviderAccount(models.Model):
    kind = models.CharField(max_length=32, choices=ProviderKind.choices)
    name = models.SlugField(max_length=64, unique=True)
    base_url = models.URLField(blank=True)
    credentials_encrypted = models.TextField(blank=True, editable=False)
    active_for_shop = models.BooleanField(default=False)
    active_for_vouchers = models.BooleanField(default=False)
    connect_timeout = models.FloatField(default=default_connect_timeout, validators=[MinValueValidator(0.1)])
    read_timeout = models.FloatField(default=default_read_timeout, validators=[MinValueValidator(0.1)])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProviderAccountQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        permissions = [("manage_providers", "Can manage provider accounts and credentials")]
        constraints = [
            models.UniqueConstraint(
                fields=["active_for_shop"],
                condition=models.Q(active_for_shop=True),
                name="one_active_shop_provider",
            ),
            models.UniqueConstraint(
                fields=["active_for_vouchers"],
                condition=models.Q(active_for_vouchers=True),
                name="one_active_voucher_provider",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    def __repr__(self) -> str:  # never the credentials
        return f"<ProviderAccount {self.name} kind={self.kind}>"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        transaction.on_commit(forget_active_accounts)

    @property
    def credentials(self) -> dict[str, str]:
        return crypto.decrypt(self.credentials_encrypted)

    def set_credentials(self, values: dict[str, str]) -> None:
        self.credentials_encrypted = crypto.encrypt({k: v for k, v in values.items() if v != ""})

    def update_credentials(self, values: dict[str, str]) -> None:
        """Merge: keys given replace stored ones; keys not given stay."""
        current = self.credentials if self.credentials_encrypted else {}
        current.update({k: v for k, v in values.items() if v})
        self.set_credentials(current)

    def masked_credentials(self) -> dict[str, str]:
        return {k: (v if k in PUBLIC_KEYS else mask(v)) for k, v in sorted(self.credentials.items())}

    def missing_keys(self) -> list[str]:
        have = self.credentials
        return [k for k in REQUIRED_KEYS.get(self.kind, ()) if not have.get(k)]

    def roles(self) -> list[str]:
        """The roles this kind can serve (`local` both, `enkash` vouchers, the rest the shop)."""
        return [role for role, kinds in ROLE_KINDS.items() if self.kind in kinds]

    def activate(self, roles: list[str] | None = None) -> list[str]:
        """Make this the active account for `roles` (default: every role its kind serves).
        Callers check first that a provider is built for them: storefront.providers.activate."""
        roles = self.roles() if roles is None else roles
        with transaction.atomic():
            for role in roles:
                field = "active_for_shop" if role == ROLE_SHOP else "active_for_vouchers"
                ProviderAccount.objects.filter(**{field: True}).exclude(pk=self.pk).update(**{field: False})
                setattr(self, field, True)
            self.save()
        return roles


class OrderAttempt(models.Model):
    """The order ledger: one row per (account, role, idempotency key), written before the
    upstream call that creates an order and settled from its answer (storefront.ledger).

    An attempt whose answer was lost stays `unknown` until reconciliation finds out from the
    provider whether the order exists; it is never sent again."""

    class State(models.TextChoices):
        PENDING = "pending", "Being placed"
        PLACED = "placed", "Placed"
        FAILED = "failed", "Not placed"
        UNKNOWN = "unknown", "Outcome unknown (the provider did not answer)"

    account = models.ForeignKey(ProviderAccount, null=True, blank=True, on_delete=models.PROTECT)
    role = models.CharField(max_length=16, choices=ROLE_CHOICES, default=ROLE_SHOP)
    key_hash = models.CharField(max_length=64)  # SHA-256 of the idempotency key; never the key
    reference = models.CharField(max_length=32, unique=True)  # ours, shown until the provider's id
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    upstream_id = models.CharField(max_length=64, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    guest_token = models.CharField(max_length=64, blank=True)
    cart_id = models.CharField(max_length=64, blank=True)
    shown = models.JSONField(default=dict, encoder=DjangoJSONEncoder)  # what the shopper agreed to
    record = models.JSONField(default=dict, encoder=DjangoJSONEncoder)  # what the order pages show
    note = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    placed_at = models.DateTimeField(null=True, blank=True)
    reconciled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["account", "role", "key_hash"], name="order_attempt_key_once"),
            models.UniqueConstraint(
                fields=["role", "key_hash"], condition=models.Q(account=None), name="local_attempt_key_once"
            ),
        ]
        indexes = [
            models.Index(fields=["account", "role", "user", "state"]),
            models.Index(fields=["account", "role", "upstream_id"]),
            models.Index(fields=["state", "updated_at"]),
        ]

    def __str__(self) -> str:
        return f"Order attempt {self.reference} ({self.state})"

    @property
    def order_id(self) -> str:
        """What the shopper knows the order by: the provider's id, else our reference."""
        return self.upstream_id or self.reference


class ShopperLink(models.Model):
    """A storefront user linked to a provider account's own customer record: the provider's
    customer id, whether the provider approved them, and per-shopper tokens (encrypted)."""

    class Approval(models.TextChoices):
        UNKNOWN = "", "Not asked"
        PENDING = "pending", "Pending approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shopper_links")
    account = models.ForeignKey(ProviderAccount, on_delete=models.CASCADE, related_name="shopper_links")
    external_id = models.CharField(max_length=128, blank=True)
    approval = models.CharField(max_length=16, choices=Approval.choices, blank=True, default="")
    tokens_encrypted = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "account"], name="one_link_per_account")]
        indexes = [models.Index(fields=["account", "external_id"])]

    def __str__(self) -> str:
        return f"{self.user} ↔ {self.account.name}:{self.external_id or '?'}"

    def __repr__(self) -> str:  # never the tokens
        return f"<ShopperLink user={self.user_id} account={self.account_id} external_id={self.external_id!r}>"

    @property
    def tokens(self) -> dict[str, str]:
        return crypto.decrypt(self.tokens_encrypted) if self.tokens_encrypted else {}

    def set_tokens(self, values: dict[str, str]) -> None:
        self.tokens_encrypted = crypto.encrypt(values) if values else ""


class ProviderAccountChange(models.Model):
    """Who changed a provider account, when, and which fields: never a value (credentials are
    named, not shown). Written by the admin (storefront.admin); read-only there."""

    class Action(models.TextChoices):
        ADDED = "added", "added"
        CHANGED = "changed", "changed"
        DELETED = "deleted", "deleted"
        ACTIVATED = "activated", "activated"
        BREAKER_CLOSED = "breaker-closed", "circuit breaker closed"
        TESTED = "tested", "connection tested"

    account = models.ForeignKey(
        ProviderAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    account_name = models.CharField(max_length=64)  # kept when the account is deleted
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    fields = models.JSONField(default=list, blank=True)  # field names only
    note = models.CharField(max_length=200, blank=True)  # e.g. a test's result and latency

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.account_name}: {self.get_action_display()} by {self.user or 'unknown'}"
