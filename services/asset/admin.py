from django.contrib import admin

from core.admin import NoHardDeleteMixin, ShownInlineMixin
from services.asset.models import Asset, Checkout


class CheckoutInline(ShownInlineMixin, admin.TabularInline):
    model = Checkout
    fk_name = "asset"
    fields = ("holder", "checked_out_at", "checked_out_by", "returned_at", "returned_by")
    readonly_fields = fields


@admin.register(Asset)
class AssetAdmin(NoHardDeleteMixin, admin.ModelAdmin):
    """State and holder change through checkout and return (the API), never by hand."""

    list_display = ("tag", "name", "category", "state", "holder", "updated_at")
    list_filter = ("state", "category")
    search_fields = ("tag", "name", "holder__username")
    list_select_related = ("holder",)
    readonly_fields = ("state", "holder", "version", "created_at", "updated_at", "origin_node")
    inlines = [CheckoutInline]
