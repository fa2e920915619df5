from django.urls import path

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
    path("orders/<str:reference>/", views.order_detail, name="order"),
    path("orders/<str:reference>/reveal/", views.reveal_voucher, name="reveal-voucher"),
    path("<str:product_id>/", views.product, name="product"),
]
