from django.contrib import admin
from django.urls import include, path

from carts import checkout_views, payment_views

from . import csp_report, validators, views  # noqa: F401 - validators registers the text_id path converter

urlpatterns = [
    path("", views.home, name="home"),
    path("products/", views.product_list, name="product-list"),
    path("products/<slug:slug>/", views.product_detail, name="product-detail"),
    path("products/<slug:slug>/check-delivery/", views.product_check_delivery, name="product-check-delivery"),
    path("cart/", include("carts.urls")),
    path("checkout/", checkout_views.checkout_page, name="checkout"),
    path("checkout/place/", checkout_views.place_order, name="place-order"),
    path("orders/", checkout_views.order_list, name="order-list"),
    path("orders/<text_id:order_id>/", checkout_views.order_detail, name="order-detail"),
    path("orders/<text_id:order_id>/payment/", payment_views.payment_return, name="order-payment"),
    path("orders/<text_id:order_id>/payment/retry/", payment_views.retry_payment, name="order-payment-retry"),
    path("vouchers/", include("vouchers.urls")),
    path("accounts/", include("storefront.accounts")),
    path("staff/", include("carts.staff_urls")),
    path("healthz", views.healthz, name="healthz"),
    path("csp-report/", csp_report.csp_report, name="csp-report"),
    path("admin/", admin.site.urls),
]

handler400 = "storefront.errors.bad_request"
handler403 = "storefront.errors.permission_denied"
handler404 = "storefront.errors.not_found"
handler500 = "storefront.errors.server_error"
