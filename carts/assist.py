"""Assisted selling: a member of staff acting on a customer's cart.

While a staff member assists a customer, their session holds `assist` (the customer's id, when it
started, whether the customer confirmed they are present) and the customer's cart handles under
the `assist:` prefix (`assist:cart:id`, ...), apart from the staff member's own cart. Every
request re-checks the permission: a staff member who loses `carts.assist_customer` stops
assisting at their next request.

`CartSession.of(request)` reads `assisting(request)` and builds the customer's cart session
(owner: the customer; acting user: the staff member), so every cart, redemption and checkout form
acts on the customer's cart through `carts.services._write`, which records each change here
(`record_change`, an AssistEvent with a summary of what changed, never a pin, token or code).

Limits (issue 13, part 4): the customer's own money (loyalty points, gift cards, store credit) is
out of reach until the customer confirms they are present with a one-time code we email them and
they read out (`code_send` / `code_confirm`); placing the order needs `carts.place_order_on_behalf`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from storefront.exceptions import StorefrontError
from storefront.money import format_inr
from storefront.providers.types import Capability, Cart
from storefront.text import format_day

from .models import PERM_ASSIST, PERM_PLACE_ORDER, AssistEvent, CustomerRecord, StaffProfile

logger = logging.getLogger("storefront.carts.assist")

ASSIST = "assist"  # session: {"customer": pk, "since": iso time, "confirmed": bool}
PREFIX = "assist:"  # the assisted customer's cart handles in the staff member's session
CODE = "assist:code"  # session: {"hash", "expires", "tries"} of the confirmation code sent

# what only the customer may spend: offered to staff once the customer confirmed they are present
CUSTOMER_HELD = frozenset({Capability.LOYALTY, Capability.GIFT_CARDS, Capability.STORE_CREDIT})

CODE_DIGITS = 6
CODE_SECONDS = 10 * 60
CODE_TRIES = 5
CODE_SENDS = 3  # codes emailed to one customer per window
CODE_SEND_WINDOW = 15 * 60
SEARCH_LIMIT = 20

MSG_NOT_A_CUSTOMER = "Staff accounts can't be assisted. Choose a customer."
MSG_NEEDS_CUSTOMER = (
    "Loyalty points, gift cards and store credit are the customer's: ask them for the code we "
    "email them, then enter it."
)
MSG_NO_PLACE_ORDER = (
    "You can't place orders for customers. End assisting: the customer finds this cart when they "
    "sign in, or send them a share link."
)
MSG_CODE_SENT = "We emailed a {digits}-digit code to {email}. Ask the customer to read it out."
MSG_CODE_WRONG = "That code doesn't match. Check it with the customer and try again."
MSG_CODE_EXPIRED = "That code has expired or was tried too often. Send a new one."
MSG_CODE_TOO_MANY = "Several codes were sent already. Please wait a few minutes before sending another."
MSG_CONFIRMED = "The customer confirmed. Their points, gift cards and store credit can be used now."
MSG_EMAIL_TAKEN = "A customer with this email already exists. Find them instead."
MSG_HANDOVER = "{name} prepared your cart for you. Have a look before you check out."

CODE_EMAIL_SUBJECT = "Your Kirana & Co. confirmation code"
CODE_EMAIL_BODY = (
    "{staff} is helping you with your order and asks to use your loyalty points, gift cards or "
    "store credit.\n\nYour code is {code}. Read it out to them only if you are with them or on the "
    "phone with them now. It works for 10 minutes.\n\nIf you did not ask for help, ignore this email."
)
SHARE_EMAIL_SUBJECT = "Your Kirana & Co. cart, ready for you"
SHARE_EMAIL_BODY = (
    "{staff} put together a cart for you. Open it here, until {date}, and add the items to your "
    "cart:\n\n{url}\n"
)
MSG_EMAIL_FAILED = "We couldn't send the email just now. Please try again in a moment."
WELCOME_EMAIL_SUBJECT = "Your Kirana & Co. account is ready"
WELCOME_EMAIL_BODY = (
    "Hello {name},\n\n{staff} set up a Kirana & Co. account for you. Choose a password to sign in "
    "and see the cart prepared for you:\n\n{link}\n\nThe link works for a few days, once."
)


class AssistRefused(StorefrontError):
    """A member of staff may not do this for the customer (yet)."""

    status = 403


# ---------------------------------------------------------------------------- who is who


def staff_label(user) -> tuple[str, str]:
    """(name, store) as customers see the staff member: the profile's display name and store, or
    the user's first name (never their email)."""
    try:
        profile = user.staff_profile
    except StaffProfile.DoesNotExist:
        profile = None
    if profile is not None and profile.display_name:
        return profile.display_name, profile.store_name
    return (user.first_name or "our staff"), ""


def prepared_line(name: str, store: str) -> str:
    """ "Priya at the Indiranagar store" (or just "Priya")."""
    return f"{name} at the {store} store" if store else name


def is_assistable(user) -> bool:
    """Only customers: never staff, superusers or anyone who may assist others."""
    return bool(
        user.is_active and not user.is_staff and not user.is_superuser and not user.has_perm(PERM_ASSIST)
    )


class Assist:
    """A member of staff assisting a customer, for one request."""

    def __init__(self, *, staff, customer, state: dict, session):
        self.staff = staff
        self.customer = customer
        self.state = state
        self.session = session

    @property
    def confirmed(self) -> bool:
        """The customer confirmed they are present (the code they read out matched)."""
        return bool(self.state.get("confirmed"))

    @property
    def can_place_order(self) -> bool:
        return self.staff.has_perm(PERM_PLACE_ORDER)

    @cached_property
    def _label(self) -> tuple[str, str]:
        return staff_label(self.staff)

    @property
    def staff_name(self) -> str:
        return self._label[0]

    @property
    def store_name(self) -> str:
        return self._label[1]

    @property
    def customer_name(self) -> str:
        return self.customer.get_full_name() or self.customer.email

    def refuse(self, capability: Capability) -> None:
        """Raise AssistRefused when the staff member may not use this for the customer yet."""
        if capability in CUSTOMER_HELD and not self.confirmed:
            raise AssistRefused(MSG_NEEDS_CUSTOMER, field="redemptions")


_UNSET = object()


def assisting(request) -> Assist | None:
    """The assist this request runs under, or None. Checked once per request: the staff member
    still holds `carts.assist_customer` and the customer is still an active customer; otherwise
    the assist ends here (its cart handles are dropped from the session)."""
    cached = getattr(request, "_assist", _UNSET)
    if cached is not _UNSET:
        return cached
    session = getattr(request, "session", None)
    state = session.get(ASSIST) if session is not None else None
    assist = None
    if state:
        staff = getattr(request, "user", None)
        customer = None
        if staff is not None and staff.is_authenticated and staff.has_perm(PERM_ASSIST):
            customer = (
                get_user_model()
                .objects.filter(pk=state.get("customer"), is_active=True, is_staff=False, is_superuser=False)
                .first()
            )
        if customer is not None:
            assist = Assist(staff=staff, customer=customer, state=state, session=session)
        else:
            clear_assist(session)
    request._assist = assist
    return assist


def clear_assist(session) -> None:
    keys = list(session.keys())  # SessionBase has keys() but no iteration
    for key in keys:
        if key == ASSIST or key.startswith(PREFIX):
            del session[key]


# ---------------------------------------------------------------------------- starting and ending


def assist_start(*, request, customer) -> Assist:
    """Start acting for `customer` (ending any assist in progress first)."""
    staff = request.user
    if not is_assistable(customer):
        raise AssistRefused(MSG_NOT_A_CUSTOMER, field="customer")
    current = assisting(request)
    if current is not None:
        assist_end(request=request)
    state = {"customer": customer.pk, "since": timezone.now().isoformat(), "confirmed": False}
    request.session[ASSIST] = state
    assist = Assist(staff=staff, customer=customer, state=state, session=request.session)
    request._assist = assist
    record(assist, action="start-assist", summary=f"Started assisting {customer.email}")
    return assist


def assist_end(*, request) -> Assist | None:
    """Back to the staff member's own session; the customer's cart stays theirs."""
    assist = assisting(request)
    clear_assist(request.session)
    request._assist = None
    if assist is not None:
        record(assist, action="end-assist", summary=f"Stopped assisting {assist.customer.email}")
    return assist


# ---------------------------------------------------------------------------- customers


@dataclass(frozen=True, slots=True)
class CustomerMatch:
    user: Any
    phone: str

    @property
    def phone_tail(self) -> str:
        return self.phone[-4:] if self.phone else ""


def phone_digits(text: str) -> str:
    """The last ten digits of a phone number as people type it (+91 98765 43210, 098765-43210)."""
    digits = re.sub(r"\D", "", text or "")
    return digits[-10:] if len(digits) >= 10 else digits


def customer_find(*, q: str) -> tuple[CustomerMatch, ...]:
    """Customers whose email is `q` (whole, any case) or whose phone number is `q`: an exact
    match, so the console cannot be used to browse customers."""
    q = (q or "").strip()
    if not q:
        return ()
    users = get_user_model().objects.filter(is_active=True, is_staff=False, is_superuser=False)
    users = users.exclude(
        Q(user_permissions__codename="assist_customer") | Q(groups__permissions__codename="assist_customer")
    )
    if "@" in q:
        match = Q(email__iexact=q)
    else:
        digits = phone_digits(q)
        if len(digits) != 10:
            return ()
        match = Q(customer_record__phone=digits)
    found = users.filter(match).select_related("customer_record").order_by("pk").distinct()[:SEARCH_LIMIT]
    return tuple(CustomerMatch(user=u, phone=_phone_of(u)) for u in found)


def _phone_of(user) -> str:
    try:
        return user.customer_record.phone
    except CustomerRecord.DoesNotExist:
        return ""


def customer_create(*, request, name: str, email: str, phone: str, link_for: Callable[[Any], str]):
    """A customer record made by staff (a phone order): an account with no password yet, and an
    email with a one-time link to choose one, where the prepared cart waits for them."""
    User = get_user_model()
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise AssistRefused(MSG_EMAIL_TAKEN, field="email")
    first, _, last = name.strip().partition(" ")
    with transaction.atomic():
        user = User(username=email, email=email, first_name=first[:150], last_name=last[:150])
        user.set_unusable_password()
        user.save()
        CustomerRecord.objects.create(user=user, phone=phone_digits(phone), created_by=request.user)
    staff_name, store = staff_label(request.user)
    emailed = _email(
        WELCOME_EMAIL_SUBJECT,
        WELCOME_EMAIL_BODY.format(
            name=first or email, staff=prepared_line(staff_name, store), link=link_for(user)
        ),
        email,
    )
    record(
        Assist(staff=request.user, customer=user, state={}, session=request.session),
        action="create-customer",
        summary=f"Created customer {email}"
        + (" with a phone number" if phone else "")
        + ("" if emailed else "; the set-password email could not be sent"),
    )
    return user, emailed


def _email(subject: str, body: str, to: str) -> bool:
    """Send one email; False (logged, without its body: it holds a link or a code) when the mail
    server cannot take it."""
    try:
        send_mail(subject, body, None, [to])
    except (OSError, smtplib.SMTPException):
        logger.exception("could not send %r to a customer", subject)
        return False
    return True


def share_link_send(*, assist: Assist, url: str, expires_at) -> bool:
    """Email the customer the share link staff just made for them (the link is shown once and
    stored only as a hash, so this is the moment to send it)."""
    body = SHARE_EMAIL_BODY.format(
        staff=prepared_line(assist.staff_name, assist.store_name), url=url, date=format_day(expires_at)
    )
    sent = _email(SHARE_EMAIL_SUBJECT, body, assist.customer.email)
    if sent:
        record(assist, action="send-share-link", summary="Share link emailed to the customer")
    return sent


# ---------------------------------------------------------------------------- the customer confirms


def _code_hash(code: str, salt: str) -> str:
    return hmac.new(salt.encode(), code.encode(), hashlib.sha256).hexdigest()


def code_send(*, assist: Assist) -> str:
    """Email the customer a one-time code; the staff member asks them to read it out. Returns the
    message for the staff member (the code itself is never shown to staff or logged)."""
    key = f"assist-codes-sent:{assist.customer.pk}"
    cache.add(key, 0, CODE_SEND_WINDOW)
    try:
        sent = cache.incr(key)
    except ValueError:
        cache.set(key, 1, CODE_SEND_WINDOW)
        sent = 1
    if sent > CODE_SENDS:
        raise AssistRefused(MSG_CODE_TOO_MANY, field="code")
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    salt = secrets.token_hex(16)
    assist.session[CODE] = {
        "salt": salt,
        "hash": _code_hash(code, salt),
        "expires": time.time() + CODE_SECONDS,
        "tries": 0,
    }
    body = CODE_EMAIL_BODY.format(code=code, staff=prepared_line(assist.staff_name, assist.store_name))
    if not _email(CODE_EMAIL_SUBJECT, body, assist.customer.email):
        del assist.session[CODE]
        raise AssistRefused(MSG_EMAIL_FAILED, field="code")
    record(assist, action="send-code", summary="Confirmation code emailed to the customer")
    return MSG_CODE_SENT.format(digits=CODE_DIGITS, email=assist.customer.email)


def code_confirm(*, assist: Assist, code: str) -> None:
    """The code the customer read out: right → confirmed for the rest of this assist."""
    sent = assist.session.get(CODE)
    if not sent or sent["expires"] < time.time() or sent["tries"] >= CODE_TRIES:
        assist.session.pop(CODE, None)
        raise AssistRefused(MSG_CODE_EXPIRED, field="code")
    if not hmac.compare_digest(_code_hash(code.strip(), sent["salt"]), sent["hash"]):
        sent["tries"] += 1
        assist.session[CODE] = sent
        if sent["tries"] >= CODE_TRIES:
            record(assist, action="confirm-failed", summary="Confirmation code tried too often")
        raise AssistRefused(MSG_CODE_WRONG, field="code")
    del assist.session[CODE]
    assist.state["confirmed"] = True
    assist.session[ASSIST] = assist.state
    record(assist, action="customer-confirmed", summary="The customer confirmed with the emailed code")


# ---------------------------------------------------------------------------- the audit trail

_SECRET_WORDS = ("pin", "password", "token", "secret", "otp", "confirmation")


def _clean(details: dict) -> dict:
    """Belt and braces: no key that names a secret reaches the audit trail."""
    return {k: v for k, v in details.items() if not any(w in k.lower() for w in _SECRET_WORDS)}


def provider_key(provider) -> str:
    """The provider account a cart lives on (its name; the built-in local store by its kind)."""
    return provider.account.name if provider.account is not None else provider.kind


def record(
    assist: Assist,
    *,
    action: str,
    summary: str,
    cart_id: str = "",
    provider: str = "",
    details: dict | None = None,
) -> AssistEvent:
    return AssistEvent.objects.create(
        staff=assist.staff,
        staff_email=assist.staff.email,
        customer=assist.customer,
        customer_email=assist.customer.email,
        provider=provider,
        cart_id=cart_id or "",
        action=action,
        summary=summary[:300],
        details=_clean(details or {}),
    )


def record_change(
    assist: Assist, *, provider, action: str, before: Cart | None, after: Cart, details: dict | None = None
) -> AssistEvent:
    """One cart write made while assisting: what changed, in words (the lines, the redemptions,
    the order details, the total)."""
    changes = cart_changes(before, after)
    summary = "; ".join(changes) if changes else "No change"
    data = {
        "changes": changes,
        "total_before": str(before.total) if before is not None else None,
        "total_after": str(after.total),
        "items_after": after.count,
        **(details or {}),
    }
    return record(
        assist,
        action=action,
        summary=summary,
        cart_id=after.id or (before.id if before is not None else ""),
        provider=provider_key(provider),
        details=data,
    )


def _line_name(line) -> str:
    if line.product.has_sizes and line.variant.label:
        return f"{line.product.name} ({line.variant.label})"
    return line.product.name


def cart_changes(before: Cart | None, after: Cart) -> list[str]:
    """What differs between two readings of a cart, in words an auditor reads: lines added,
    removed or changed, the coupon, the customer's points, gift cards (last four digits only) and
    credit, the order details by name (not their values) and the total."""
    changes: list[str] = []
    old = {(ln.product.id, ln.variant.id): ln for ln in (before.lines if before else ())}
    new = {(ln.product.id, ln.variant.id): ln for ln in after.lines}
    for key, line in new.items():
        was = old.get(key)
        if was is None:
            changes.append(f"Added {_line_name(line)} × {line.quantity}")
        elif was.quantity != line.quantity:
            changes.append(f"{_line_name(line)}: {was.quantity} → {line.quantity}")
    for key, line in old.items():
        if key not in new:
            changes.append(f"Removed {_line_name(line)}")
    old_coupon = before.coupon_code if before else ""
    if old_coupon != after.coupon_code:
        changes.append(
            f"Coupon {after.coupon_code} applied" if after.coupon_code else f"Coupon {old_coupon} removed"
        )
    old_points = before.loyalty.applied if before and before.loyalty else 0
    new_points = after.loyalty.applied if after.loyalty else 0
    if old_points != new_points:
        changes.append(f"Loyalty points used: {old_points} → {new_points}")
    old_cards = {r.code[-4:] for r in (before.gift_cards if before else ())}
    new_cards = {r.code[-4:] for r in after.gift_cards}
    changes += [f"Gift card …{tail} applied" for tail in sorted(new_cards - old_cards)]
    changes += [f"Gift card …{tail} removed" for tail in sorted(old_cards - new_cards)]
    old_credit = bool(before and before.credit and before.credit.in_use)
    new_credit = bool(after.credit and after.credit.in_use)
    if old_credit != new_credit:
        changes.append("Store credit used" if new_credit else "Store credit no longer used")
    if before is not None:
        fields = [
            label
            for label, attr in (
                ("gift message", "gift_message"),
                ("GSTIN", "gstin"),
                ("comment", "comment"),
                ("delivery or pick-up", "order_type"),
                ("pick-up store", "pickup_store"),
                ("pick-up contact", "pickup_phone"),
            )
            if getattr(before.meta, attr) != getattr(after.meta, attr)
        ]
        if fields:
            changes.append("Order details changed: " + ", ".join(fields))
        if (before.shipping_address and before.shipping_address.id) != (
            after.shipping_address and after.shipping_address.id
        ) and after.shipping_address is not None:
            changes.append(f"Delivery address set (pincode {after.shipping_address.pincode})")
    old_total = before.total if before is not None else Decimal("0.00")
    if old_total != after.total:
        changes.append(f"Total {format_inr(old_total)} → {format_inr(after.total)}")
    return changes


# ---------------------------------------------------------------------------- what the customer sees


@dataclass(frozen=True, slots=True)
class PreparedBy:
    name: str
    store: str = ""

    @property
    def line(self) -> str:
        return prepared_line(self.name, self.store)


CART_ACTIONS_EXCLUDED = ("start-assist", "end-assist", "create-customer", "send-code", "customer-confirmed")


def prepared_by(*, provider, cart: Cart) -> PreparedBy | None:
    """Who on our staff prepared or changed this cart (the latest change in the audit trail), for
    "Prepared for you by Priya at the Indiranagar store". Asked only for carts the provider marks
    as touched by staff, so ordinary carts cost no query."""
    if not cart.staff_user:
        return None
    event = (
        AssistEvent.objects.filter(provider=provider_key(provider), cart_id=cart.id, staff__isnull=False)
        .select_related("staff__staff_profile")
        .order_by("-at", "-pk")
        .first()
        if cart.id
        else None
    )
    if event is not None:
        return PreparedBy(*staff_label(event.staff))
    return PreparedBy(name=cart.staff_user)


def handover_message(*, customer, since) -> str | None:
    """At sign-in: a cart staff worked on since the customer last signed in (and did not order)."""
    events = AssistEvent.objects.filter(customer=customer, staff__isnull=False).exclude(
        action__in=CART_ACTIONS_EXCLUDED
    )
    if since is not None:
        events = events.filter(at__gt=since)
    latest = events.select_related("staff__staff_profile").order_by("-at", "-pk").first()
    if latest is None or latest.action == "place-order":
        return None
    return MSG_HANDOVER.format(name=prepared_line(*staff_label(latest.staff)))
