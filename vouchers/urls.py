from django.urls import path

from storefront import validators  # noqa: F401 - registers the text_id path converter

from . import views

app_name = "vouchers"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("cart/", views.cart_page, name="cart"),
    path("cart/add/", views.voucher_add, name="voucher-add"),
    path("cart/update/", views.voucher_update, name="voucher-update"),
    path("cart/remove/", views.voucher_remove, name="voucher-remove"),
    path("cart/place-order/", views.voucher_place_order, name="voucher-place-order"),
    path("orders/", views.order_list, name="orders"),
    path("orders/<text_id:reference>/", views.order_detail, name="order"),
    path("orders/<text_id:reference>/reveal/", views.reveal_voucher, name="reveal-voucher"),
    path("<text_id:product_id>/", views.product, name="product"),
]
