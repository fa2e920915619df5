import json

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html_join

from . import ledger
from .breaker import Breaker
from .crypto import CredentialsUnreadable
from .exceptions import StorefrontError
from .models import (
    PUBLIC_KEYS,
    REQUIRED_KEYS,
    OrderAttempt,
    ProviderAccount,
    ProviderAccountChange,
    ShopperLink,
)
from .provider_check import check_connection
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


def record_change(request, account, action: str, fields=(), note: str = "") -> None:
    """The account's change trail: who, when, what, which fields; never a value."""
    ProviderAccountChange.objects.create(
        account=account if account.pk else None,
        account_name=account.name,
        user=request.user if request.user.is_authenticated else None,
        action=action,
        fields=sorted(fields),
        note=note[:200],
    )


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
    readonly_fields = ["active_for_shop", "active_for_vouchers", "masked", "breaker", "change_trail"]
    actions = ["test_connection", "activate", "close_breaker"]

    @admin.display(description="changes (who, when, which fields; never values)")
    def change_trail(self, obj):
        if obj is None or not obj.pk:
            return "-"
        rows = obj.changes.select_related("user")[:20]
        return (
            format_html_join(
                "",
                "<div data-change>{} · {} · {} · {}{}</div>",
                (
                    (
                        f"{c.at:%d %b %Y %H:%M}",
                        c.user.email if c.user else "unknown",
                        c.get_action_display(),
                        ", ".join(c.fields) or "-",
                        f" · {c.note}" if c.note else "",
                    )
                    for c in rows
                ),
            )
            or "-"
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        fields = [f for f in form.changed_data if f != "clear_credentials"]
        if form.cleaned_data.get("clear_credentials"):
            fields.append("credentials cleared")
        record_change(request, obj, "changed" if change else "added", fields)

    def delete_model(self, request, obj):
        record_change(request, obj, "deleted")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for account in queryset:
            record_change(request, account, "deleted")
        super().delete_queryset(request, queryset)

    @admin.action(description="Test connection (one cheap call; result and latency)")
    def test_connection(self, request, queryset):
        for account in queryset:
            result = check_connection(account)
            text = result.describe(account.name)
            record_change(request, account, "tested", note=text)
            self.message_user(request, text, level=messages.SUCCESS if result.ok else messages.ERROR)

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
            ("History", {"fields": ["change_trail"]}),
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
            record_change(request, account, "breaker-closed")
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
            record_change(request, account, "activated", [f"active_for_{r}" for r in roles])
            self.message_user(request, f"{account.name} is active for {', '.join(roles)}")

    def has_module_permission(self, request):
        return request.user.is_superuser or request.user.has_perm("storefront.manage_providers")

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    has_add_permission = has_change_permission = has_delete_permission = lambda self, request, obj=None: (
        self.has_module_permission(request)
    )


@admin.register(ProviderAccountChange)
class ProviderAccountChangeAdmin(admin.ModelAdmin):
    """The trail of every provider account, deleted ones included; read-only, for the staff who
    manage provider accounts."""

    list_display = ("at", "account_name", "action", "user", "changed_fields", "note")
    list_filter = ("action", "account_name")
    search_fields = ("account_name", "user__email")
    readonly_fields = ("at", "account", "account_name", "user", "action", "fields", "note")

    @admin.display(description="fields")
    def changed_fields(self, obj):
        return ", ".join(obj.fields) or "-"

    def has_module_permission(self, request):
        return request.user.is_superuser or request.user.has_perm("storefront.manage_providers")

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OrderAttempt)
class OrderAttemptAdmin(admin.ModelAdmin):
    """The order ledger, read-only: what was sent to which provider and what became of it. An
    unknown attempt can be reconciled from here (the same as `manage.py reconcile_orders`)."""

    list_display = ("reference", "account", "role", "state", "upstream_id", "user", "created_at")
    list_filter = ("state", "role", "account")
    search_fields = ("reference", "upstream_id", "cart_id", "user__email")
    readonly_fields = [f.name for f in OrderAttempt._meta.fields if f.name not in ("guest_token", "record")]
    readonly_fields.append("record_shown")
    exclude = ("guest_token", "record")
    actions = ["reconcile"]
    # kept on the record for reconciling, encrypted, but never shown (Commerce Engine: a guest's tokens)
    HIDDEN_RECORD_KEYS = ("ce_tokens",)

    @admin.display(description="record")
    def record_shown(self, obj):
        record = obj.record if isinstance(obj.record, dict) else {}
        shown = {k: v for k, v in record.items() if k not in self.HIDDEN_RECORD_KEYS}
        return json.dumps(shown, indent=1, sort_keys=True, default=str)

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
