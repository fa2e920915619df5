from django.urls import path

from storefront import validators  # noqa: F401 - registers the text_id path converter

from . import checkout_views, views

app_name = "carts"
urlpatterns = [
    path("", views.cart_page, name="cart"),
    path("count/", views.cart_badge, name="cart-badge"),
    path("add/", views.add_to_cart, name="add-to-cart"),
    path("buy-now/", views.buy_now, name="buy-now"),
    path("update/", views.update_line, name="update-line"),
    path("remove/", views.remove_line, name="remove-line"),
    path("clear/", views.clear_cart, name="clear-cart"),
    path("reorder/", checkout_views.reorder, name="reorder"),
    path("check-delivery/", views.check_delivery, name="check-delivery"),
    path("coupons/", views.coupon_list, name="coupons"),
    path("coupon/apply/", views.apply_coupon, name="apply-coupon"),
    path("coupon/remove/", views.remove_coupon, name="remove-coupon"),
    path("loyalty/apply/", views.apply_loyalty, name="apply-loyalty"),
    path("loyalty/remove/", views.remove_loyalty, name="remove-loyalty"),
    path("gift-card/apply/", views.apply_gift_card, name="apply-gift-card"),
    path("gift-card/remove/", views.remove_gift_card, name="remove-gift-card"),
    path("credit/apply/", views.apply_credit, name="apply-credit"),
    path("credit/remove/", views.remove_credit, name="remove-credit"),
    path("meta/", views.update_meta, name="update-meta"),
    path("address/", views.set_address, name="set-address"),
    path("address/select/", views.select_address, name="select-address"),
    path("share/", views.share_cart, name="share-cart"),
    path("share/links/", views.share_links, name="share-links"),
    path("share/<int:link_id>/revoke/", views.revoke_share_link, name="revoke-share-link"),
    path("shared/<text_id:token>/", views.shared_cart, name="shared-cart"),
    path("shared/<text_id:token>/accept/", views.accept_shared_cart, name="accept-shared-cart"),
]
