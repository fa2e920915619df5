from django import forms
from django.contrib import admin
from django.contrib.auth.hashers import make_password

from . import models as m


class VariantInline(admin.TabularInline):
    model = m.Variant
    extra = 0


@admin.register(m.Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "brand", "category", "mrp", "price", "gst_rate", "featured"]
    list_filter = ["category", "gst_rate", "featured"]
    search_fields = ["name", "slug", "brand__name"]
    list_select_related = ["brand", "category"]
    inlines = [VariantInline]


@admin.register(m.Pincode)
class PincodeAdmin(admin.ModelAdmin):
    list_display = ["code", "city", "state", "serviceable", "min_days", "max_days"]
    search_fields = ["code", "city"]


admin.site.register(m.Category)
admin.site.register(m.Brand)


@admin.register(m.Coupon)
class CouponAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "title",
        "kind",
        "value",
        "min_cart_value",
        "valid_until",
        "used_count",
        "total_limit",
    ]
    search_fields = ["code", "title"]
    filter_horizontal = ["categories", "products"]
    readonly_fields = ["used_count"]


class GiftCardForm(forms.ModelForm):
    pin = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="set a new pin; leave empty to keep the current one",
    )

    class Meta:
        model = m.GiftCard
        fields = ["code", "balance", "expires_at", "active"]

    def save(self, commit=True):
        if self.cleaned_data.get("pin"):
            self.instance.pin_hash = make_password(self.cleaned_data["pin"])
        elif not self.instance.pin_hash:
            self.instance.pin_hash = make_password(None)
        return super().save(commit)


@admin.register(m.GiftCard)
class GiftCardAdmin(admin.ModelAdmin):
    form = GiftCardForm
    list_display = ["masked_code", "balance", "expires_at", "active"]
    search_fields = ["code"]

    @admin.display(description="card")
    def masked_code(self, obj):
        return f"…{obj.code[-4:]}"


class OrderLineInline(admin.TabularInline):
    model = m.OrderLine
    extra = 0
    can_delete = False
    readonly_fields = [
        "product_name",
        "variant_label",
        "quantity",
        "unit_mrp",
        "unit_price",
        "line_total",
        "gst_rate",
    ]
    exclude = ["variant", "image", "product_slug"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(m.Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "placed_at", "user", "email", "status", "order_type", "payment_mode", "total"]
    list_filter = ["status", "order_type", "payment_mode", "placed_at"]
    search_fields = ["number", "email", "user__email", "shipping_address"]
    date_hierarchy = "placed_at"
    inlines = [OrderLineInline]
    readonly_fields = [
        "number",
        "idempotency_key",
        "cart",
        "user",
        "email",
        "payment_mode",
        "order_type",
        "total",
        "breakup",
        "shipping_address",
        "pickup_store",
        "meta",
        "coupon",
        "points_used",
        "credit_used",
        "placed_at",
        "delivery_min",
        "delivery_max",
    ]
    exclude = ["guest_token", "gift_card_uses"]
    actions = ["cancel_orders"]

    @admin.action(description="Cancel the selected orders and give back stock and redemptions")
    def cancel_orders(self, request, queryset):
        from .provider import LocalProvider

        for order in queryset:
            LocalProvider().cancel_order(order_id=order.number)
        self.message_user(request, f"Cancelled {queryset.count()} order(s).")


admin.site.register(m.Store)
admin.site.register(m.LoyaltyAccount)
admin.site.register(m.StoreCredit)
from . import voucher_admin  # noqa: E402,F401 - the local voucher provider's admin (voucher_admin.py)
