from django.urls import path

from . import views

app_name = "carts"
urlpatterns = [
    path("", views.cart_page, name="cart"),
    path("count/", views.cart_badge, name="cart-badge"),
    path("add/", views.add_to_cart, name="add-to-cart"),
    path("update/", views.update_line, name="update-line"),
    path("remove/", views.remove_line, name="remove-line"),
    path("clear/", views.clear_cart, name="clear-cart"),
    path("check-delivery/", views.check_delivery, name="check-delivery"),
]
