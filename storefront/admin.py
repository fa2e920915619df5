from django import forms
from django.contrib import admin, messages

from . import ledger
from .breaker import Breaker
from .crypto import CredentialsUnreadable
from .exceptions import StorefrontError
from .models import PUBLIC_KEYS, REQUIRED_KEYS, OrderAttempt, ProviderAccount, ShopperLink
from .providers import registry
from .providers.base import require
from .providers.registry import UnknownProviderKind
from .providers.registry import activate as activate_account
from .providers.types import Capability

CREDENTIAL_KEYS = [
    "application_id",
    "application_token",
    "currency_code",
    "ordering_source",
    "store_id",
    "api_key",
    "token",
    "client_id",
    "client_secret",
    "username",
    "password",
    "auth_base_url",
]


class ProviderAccountForm(forms.ModelForm):
    """Credentials are write-only: secret fields start empty, and an empty field keeps the stored
    value. Non-secret identifiers (application id, store id, ...) are shown."""

    base_url = forms.URLField(required=False, assume_scheme="https", help_text="the provider's API root")

    class Meta:
        model = ProviderAccount
        fields = ["kind", "name", "base_url", "connect_timeout", "read_timeout"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        try:
            stored = self.instance.credentials if self.instance.pk else {}
        except CredentialsUnreadable:
            stored = {}
        for key in CREDENTIAL_KEYS:
            if key in PUBLIC_KEYS:
                self.fields[key] = forms.CharField(required=False, initial=stored.get(key, ""))
            else:
                self.fields[key] = forms.CharField(
                    required=False,
                    widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
                    help_text="stored — leave empty to keep" if stored.get(key) else "not set",
                )
        self.fields["clear_credentials"] = forms.BooleanField(
            required=False, help_text="remove every stored credential before saving the ones above"
        )

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        try:
            stored = (
                {}
                if data.get("clear_credentials")
                else (self.instance.credentials if self.instance.pk else {})
            )
        except CredentialsUnreadable:
            stored = {}
        merged = {**stored, **{k: data[k] for k in CREDENTIAL_KEYS if data.get(k)}}
        missing = [k for k in REQUIRED_KEYS.get(kind, ()) if not merged.get(k)]
        if missing:
            raise forms.ValidationError(f"Required for this kind: {', '.join(missing)}")
        if kind and kind != "local" and not data.get("base_url"):
            self.add_error("base_url", "Required for remote providers.")
        self._merged = merged
        return data

    def save(self, commit=True):
        self.instance.set_credentials(self._merged)
        return super().save(commit)


@admin.register(ProviderAccount)
class ProviderAccountAdmin(admin.ModelAdmin):
    form = ProviderAccountForm
    list_display = [
        "name",
        "kind",
        "base_url",
        "active_for_shop",
        "active_for_vouchers",
        "breaker",
        "updated_at",
    ]
    list_filter = ["kind", "active_for_shop", "active_for_vouchers"]
    readonly_fields = ["active_for_shop", "active_for_vouchers", "masked", "breaker"]
    actions = ["activate", "close_breaker"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The credential fields are added by the form's __init__, not by the model. Without this,
        # ModelAdmin derives `fields` from the fieldsets and modelform_factory raises FieldError
        # ("Unknown field(s) ... specified for ProviderAccount") on every add/change page.
        kwargs["fields"] = ProviderAccountForm.Meta.fields
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        return [
            (None, {"fields": ["kind", "name", "base_url", "connect_timeout", "read_timeout"]}),
            ("Credentials (write-only)", {"fields": [*CREDENTIAL_KEYS, "clear_credentials"]}),
            ("Status", {"fields": ["active_for_shop", "active_for_vouchers", "masked", "breaker"]}),
        ]

    @admin.display(description="circuit breaker")
    def breaker(self, obj):
        """The account's breaker (storefront.breaker): closed, open (calls fail fast), half-open."""
        if obj is None or not obj.pk:
            return "-"
        if obj.kind == "local":
            return "none (no remote calls)"
        return Breaker.for_account(obj).status().describe()

    @admin.action(description="Close the circuit breaker of the selected accounts (let calls through now)")
    def close_breaker(self, request, queryset):
        for account in queryset:
            Breaker.for_account(account).reset()
            self.message_user(request, f"{account.name}: circuit breaker closed")

    @admin.display(description="stored credentials")
    def masked(self, obj):
        try:
            return ", ".join(f"{k}={v}" for k, v in obj.masked_credentials().items()) or "-"
        except CredentialsUnreadable:
            return "unreadable with the current CREDENTIALS_KEY"

    @admin.action(description="Activate the selected account for its role(s)")
    def activate(self, request, queryset):
        for account in queryset:
            try:
                roles = activate_account(account)
            except UnknownProviderKind as exc:
                self.message_user(request, str(exc), level=messages.ERROR)
                continue
            self.message_user(request, f"{account.name} is active for {', '.join(roles)}")

    def has_module_permission(self, request):
        return request.user.is_superuser or request.user.has_perm("storefront.manage_providers")

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    has_add_permission = has_change_permission = has_delete_permission = lambda self, request, obj=None: (
        self.has_module_permission(request)
    )


@admin.register(OrderAttempt)
class OrderAttemptAdmin(admin.ModelAdmin):
    """The order ledger, read-only: what was sent to which provider and what became of it. An
    unknown attempt can be reconciled from here (the same as `manage.py reconcile_orders`)."""

    list_display = ("reference", "account", "role", "state", "upstream_id", "user", "created_at")
    list_filter = ("state", "role", "account")
    search_fields = ("reference", "upstream_id", "cart_id", "user__email")
    readonly_fields = [f.name for f in OrderAttempt._meta.fields if f.name != "guest_token"]
    exclude = ("guest_token",)
    actions = ["reconcile"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Ask the provider what became of the selected unknown attempts")
    def reconcile(self, request, queryset):
        for attempt in queryset.filter(state=OrderAttempt.State.UNKNOWN):
            try:
                provider = require(registry.build(attempt.account, attempt.role), Capability.ORDER_LEDGER)
            except (StorefrontError, registry.UnknownProviderKind) as exc:
                text = getattr(exc, "user_message", str(exc))
                self.message_user(request, f"{attempt.reference}: {text}", level=messages.ERROR)
                continue
            attempt = ledger.reconcile_attempt(attempt, provider.reconcile_order)
            self.message_user(request, f"{attempt.reference}: {attempt.get_state_display()}")


@admin.register(ShopperLink)
class ShopperLinkAdmin(admin.ModelAdmin):
    """Which provider customer a storefront user is. Staff may set or correct the link; the
    per-shopper tokens are never shown."""

    list_display = ("user", "account", "external_id", "approval", "updated_at")
    list_filter = ("account", "approval")
    search_fields = ("user__email", "external_id")
    fields = ("user", "account", "external_id", "approval")
    raw_id_fields = ("user",)
