"""Voucher orders in admin: read-only, codes masked (the last four characters only). Codes and
pins are never shown here, nor in any list; revealing is the owner's, on the order page."""

from __future__ import annotations

from django.contrib import admin

from . import models as vm


class VoucherOrderLineInline(admin.TabularInline):
    model = vm.VoucherOrderLine
    extra = 0
    can_delete = False
    fields = ("position", "product_name", "face_value", "unit_price", "quantity", "status", "upstream_id")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class IssuedVoucherInline(admin.TabularInline):
    model = vm.IssuedVoucher
    extra = 0
    can_delete = False
    fields = ("line", "index", "masked", "expires_at", "reveal_count")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="reveals")
    def reveal_count(self, obj) -> int:
        return obj.reveals.count()


@admin.register(vm.VoucherOrder)
class VoucherOrderAdmin(admin.ModelAdmin):
    list_display = (
        "reference",
        "user",
        "status",
        "price_total",
        "paid_credit",
        "paid_points",
        "refunded_amount",
        "created_at",
    )
    list_filter = ("status", "account")
    search_fields = ("reference", "user__email", "lines__upstream_id")
    readonly_fields = [f.name for f in vm.VoucherOrder._meta.fields]
    inlines = [VoucherOrderLineInline, IssuedVoucherInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(vm.VoucherReveal)
class VoucherRevealAdmin(admin.ModelAdmin):
    list_display = ("voucher", "user", "revealed_at")
    readonly_fields = ("voucher", "user", "revealed_at")
    list_select_related = ("voucher", "user")

    def has_add_permission(self, request) -> bool:
        return False
