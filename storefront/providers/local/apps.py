from django.apps import AppConfig


class LocalShopConfig(AppConfig):
    name = "storefront.providers.local"
    label = "localshop"
    verbose_name = "Local store (embedded provider)"
