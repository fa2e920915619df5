"""Admin for the local voucher provider's brands and denominations (its orders are read-only; their
codes are never shown). Imported at the end of admin.py."""

from django.contrib import admin

from . import voucher_models as vm


class DenominationInline(admin.TabularInline):
    model = vm.LocalVoucherDenomination
    extra = 0


@admin.register(vm.LocalVoucherBrand)
class LocalVoucherBrandAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "category", "active", "rank", "custom_min", "custom_max"]
    list_filter = ["category", "active"]
    search_fields = ["name", "slug"]
    inlines = [DenominationInline]


@admin.register(vm.LocalVoucherOrder)
class LocalVoucherOrderAdmin(admin.ModelAdmin):
    list_display = ["reference", "status", "total", "created_at", "issued_at"]
    list_filter = ["status"]
    search_fields = ["reference"]
    readonly_fields = ["reference", "status", "items", "total", "ready_at", "created_at", "issued_at"]

    def has_add_permission(self, request) -> bool:
        return False
