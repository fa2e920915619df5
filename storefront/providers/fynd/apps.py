from django.apps import AppConfig


class FyndShopConfig(AppConfig):
    name = "storefront.providers.fynd"
    label = "fyndshop"
    verbose_name = "Fynd Platform (provider state)"
    default_auto_field = "django.db.models.BigAutoField"
