from django.contrib import admin
from django.utils import timezone

from .models import AssistEvent, CustomerRecord, ShareLink, StaffProfile


@admin.register(AssistEvent)
class AssistEventAdmin(admin.ModelAdmin):
    """The assisted-selling audit trail, read-only: who acted for whom, on which cart, what
    changed and when. Filter by staff member, customer, action and day."""

    list_display = ("at", "staff_email", "customer_email", "action", "summary", "provider", "cart_id")
    list_filter = (
        ("staff", admin.RelatedOnlyFieldListFilter),
        ("customer", admin.RelatedOnlyFieldListFilter),
        "action",
        "provider",
    )
    search_fields = ("staff_email", "customer_email", "cart_id", "summary")
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AssistEvent._meta.fields]
    list_select_related = ()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    """How staff are named to customers ("Prepared for you by Priya at the Indiranagar store")."""

    list_display = ("user", "display_name", "store_name", "employee_code")
    search_fields = ("user__email", "display_name", "store_name")
    raw_id_fields = ("user",)


@admin.register(CustomerRecord)
class CustomerRecordAdmin(admin.ModelAdmin):
    list_display = ("user", "phone", "created_by", "created_at")
    search_fields = ("user__email", "phone")
    raw_id_fields = ("user", "created_by")
    readonly_fields = ("created_by", "created_at")


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    """Share links, read-only (the token is never stored, the provider's token never shown); staff
    can withdraw links, e.g. one sent to the wrong person."""

    list_display = (
        "pk",
        "owner",
        "created_by",
        "provider",
        "item_count",
        "created_at",
        "expires_at",
        "revoked_at",
    )
    list_filter = ("provider", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("owner__email", "created_by__email")
    date_hierarchy = "created_at"
    fields = (
        "owner",
        "owner_key",
        "created_by",
        "provider",
        "item_count",
        "snapshot",
        "created_at",
        "expires_at",
        "revoked_at",
    )
    readonly_fields = fields
    actions = ["withdraw"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Withdraw the selected share links")
    def withdraw(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"{count} share link(s) withdrawn.")
