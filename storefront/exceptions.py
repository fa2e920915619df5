"""Typed errors. Each carries a `user_message` that is safe to show; views translate them once,
in storefront.htmx.respond_error."""

from __future__ import annotations

MSG_UNAVAILABLE = "We couldn't reach the store just now. Your cart is safe; please try again in a moment."
MSG_AUTH = "The store is having a configuration problem. Please try again later."
MSG_UNEXPECTED = "Something went wrong on our side. Please try again."
MSG_NOT_FOUND = "We couldn't find that item."
MSG_CAPABILITY = "This store doesn't offer that."
MSG_SESSION_EXPIRED = "Your session with the store has expired. Please sign in again."


class StorefrontError(Exception):
    user_message = MSG_UNEXPECTED
    status = 400

    def __init__(self, user_message: str | None = None, *, field: str | None = None):
        if user_message:
            self.user_message = user_message
        self.field = field
        super().__init__(self.user_message)


class ProviderError(StorefrontError):
    """Something the provider said or failed to say."""

    #: the provider's own error code when its envelope carries one (e.g. "coupon_invalid",
    #: "BAD_REQUEST_ERROR"), set by storefront.http.status_error; never shown to the customer
    code: str | None = None

    def __init__(
        self,
        user_message: str | None = None,
        *,
        field: str | None = None,
        status: int | None = None,
        request_id: str | None = None,
    ):
        super().__init__(user_message, field=field)
        self.upstream_status = status
        self.request_id = request_id


class ProviderUnavailable(ProviderError):
    """Timeout, connection failure, 5xx or a body we cannot read."""

    user_message = MSG_UNAVAILABLE
    status = 503


class ProviderNotCalled(ProviderUnavailable):
    """The call was not made at all, so nothing happened upstream: the provider's circuit breaker
    is open (storefront.breaker), or the request's deadline is spent (storefront.deadline). An
    order attempt that ends here was not placed (storefront.ledger marks it failed)."""


class CircuitOpen(ProviderNotCalled):
    """The provider failed repeatedly and is resting (storefront.breaker): fail fast."""


class DeadlineExceeded(ProviderNotCalled):
    """This request has used up its time for upstream calls (storefront.deadline)."""


class ProviderAuthError(ProviderError):
    """401/403 from the provider: our credentials are wrong or expired (a staff problem)."""

    user_message = MSG_AUTH
    status = 503


class ProviderSessionExpired(ProviderError):
    """401 on a call made with a SHOPPER's token (storefront.http.BearerTokens): their session
    expired and one refresh plus one retry did not help, or it cannot be refreshed. Not a staff
    problem (that is ProviderAuthError, our own credentials): the shopper signs in again, or the
    provider starts a new guest session."""

    user_message = MSG_SESSION_EXPIRED
    status = 401


class ProviderRejected(ProviderError):
    """The provider refused the request with a message meant for the customer."""

    status = 400


class NotFound(ProviderError):
    user_message = MSG_NOT_FOUND
    status = 404


class CapabilityMissing(StorefrontError):
    user_message = MSG_CAPABILITY
    status = 404


class GiftCardRejected(ProviderRejected):
    """Wrong code or pin: counts towards the gift-card throttle."""


class AddressNeeded(StorefrontError):
    """Home delivery with no delivery address: said once, beside the address form."""

    status = 409


class CheckoutChanged(StorefrontError):
    """The cart changed between showing the checkout and placing the order."""

    user_message = (
        "Some things changed since you opened checkout. Please review them before placing the order."
    )
    status = 409

    def __init__(self, changes, user_message: str | None = None):
        super().__init__(user_message)
        self.changes = tuple(changes)
