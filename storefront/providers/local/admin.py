from django.contrib import admin

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
