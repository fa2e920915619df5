from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models, transaction

from . import crypto


class ProviderKind(models.TextChoices):
    LOCAL = "local", "Local (embedded demo store)"
    FYND = "fynd", "Fynd Platform"
    COMMERCE_ENGINE = "commerce_engine", "Commerce Engine"
    SOURCEHUB = "sourcehub", "SourceHub"
    ENKASH = "enkash", "EnKash (gift vouchers)"


SHOP_KINDS = {ProviderKind.LOCAL, ProviderKind.FYND, ProviderKind.COMMERCE_ENGINE, ProviderKind.SOURCEHUB}
VOUCHER_KINDS = {ProviderKind.LOCAL, ProviderKind.ENKASH}

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


def mask(value: str) -> str:
    if not value:
        return ""
    return "•" * 8 + (value[-2:] if len(value) > 8 else "")


class ProviderAccount(models.Model):
    kind = models.CharField(max_length=32, choices=ProviderKind.choices)
    name = models.SlugField(max_length=64, unique=True)
    base_url = models.URLField(blank=True)
    credentials_encrypted = models.TextField(blank=True, editable=False)
    active_for_shop = models.BooleanField(default=False)
    active_for_vouchers = models.BooleanField(default=False)
    connect_timeout = models.FloatField(default=3.05, validators=[MinValueValidator(0.1)])
    read_timeout = models.FloatField(default=10.0, validators=[MinValueValidator(0.1)])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

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
        from storefront.providers import forget_active_account

        transaction.on_commit(forget_active_account)

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

    @property
    def can_serve_shop(self) -> bool:
        return self.kind in SHOP_KINDS

    @property
    def can_serve_vouchers(self) -> bool:
        return self.kind in VOUCHER_KINDS

    def activate(self) -> list[str]:
        """Make this the active account for every role its kind can serve. Returns the roles.
        A kind whose provider is not built yet cannot be activated (it would take the shop down)."""
        from storefront.providers.registry import PROVIDER_CLASSES, UnknownProviderKind

        if self.kind not in PROVIDER_CLASSES:
            raise UnknownProviderKind(
                f"the {self.get_kind_display()} provider is not available in this version; "
                "the account is saved but stays inactive"
            )
        roles = []
        with transaction.atomic():
            if self.can_serve_shop:
                ProviderAccount.objects.filter(active_for_shop=True).exclude(pk=self.pk).update(
                    active_for_shop=False
                )
                self.active_for_shop = True
                roles.append("shop")
            if self.can_serve_vouchers:
                ProviderAccount.objects.filter(active_for_vouchers=True).exclude(pk=self.pk).update(
                    active_for_vouchers=False
                )
                self.active_for_vouchers = True
                roles.append("vouchers")
            self.save()
        return roles
