// Progressive enhancement only: every form works without this file.
(function () {
  document.documentElement.classList.add("js");

  // ---- htmx settings (here, not in a <meta> on every page: this file is cached) ------------------
  // Deferred after htmx, so this runs before htmx reads its config at DOMContentLoaded. The
  // Content-Security-Policy allows no inline style or eval: htmx must not inject its indicator
  // <style>, eval anything, or copy style attributes while settling a swap. 422/409/429 answers
  // carry the form with its message in place, so they are swapped like a 200.
  if (window.htmx) {
    Object.assign(window.htmx.config, {
      responseHandling: [
        { code: "204", swap: false },
        { code: "[23]..", swap: true },
        { code: "409", swap: true },
        { code: "422", swap: true },
        { code: "429", swap: true },
        { code: "503", swap: true, error: true },
        { code: "[45]..", swap: false, error: true },
      ],
      scrollIntoViewOnBoost: false,
      includeIndicatorStyles: false,
      allowEval: false,
      attributesToSettle: ["class", "width", "height"],
    });
  }

  // ---- focus after an htmx swap (issue 9, point 13) -------------------------------------------
  // htmx gives focus back to a replaced control that has an id. For the others, remember how to
  // find the control that was used, and after the swap put focus back on it, or, when it is gone
  // (the line was removed, the coupon form became "Remove coupon"), on the message that says what
  // happened, so the next Tab continues from there and nothing is lost to the top of the page.
  var used = null;

  function describe(el) {
    if (!el || el === document.body) return null;
    if (el.id) return "#" + CSS.escape(el.id);
    var form = el.form || el.closest("form");
    var action = form && form.getAttribute("data-action");
    if (!action) return null;
    var scope = 'form[data-action="' + CSS.escape(action) + '"]';
    if (el.name) {
      var sel = scope + " " + el.tagName.toLowerCase() + '[name="' + CSS.escape(el.name) + '"]';
      if (el.value && (el.type === "submit" || el.type === "radio" || el.tagName === "BUTTON")) {
        sel += '[value="' + CSS.escape(el.value) + '"]';
      }
      return sel;
    }
    return scope + ' [type="submit"]';
  }

  function focusable(el) {
    return el && !el.disabled && el.getClientRects().length > 0;
  }

  function focusMessage(target) {
    // the page's message about what just happened first, then an error shown in place
    var places = [document.getElementById("messages"), target, document];
    for (var i = 0; i < places.length; i++) {
      var place = places[i];
      if (!place || !place.querySelector) continue;
      var alert = place.querySelector('[role="alert"]');
      if (alert && alert.getClientRects().length > 0) {
        alert.setAttribute("tabindex", "-1");
        alert.focus({ preventScroll: false });
        return true;
      }
    }
    return false;
  }

  var USER_EVENTS = { submit: 1, click: 1, change: 1, keyup: 1, input: 1, search: 1 };
  document.addEventListener("htmx:beforeRequest", function (event) {
    var config = event.detail.requestConfig || {};
    var cause = config.triggeringEvent;
    // only what the shopper did: a header refresh after "cart-updated" is not a control they used
    if (!cause || !USER_EVENTS[cause.type]) return;
    var active = document.activeElement;
    var elt = event.detail.elt;
    // the focused control (also when the change came from tabbing away: focus is then already on
    // the next control, which the swap may replace), else the element that made the request
    var control = active && active !== document.body ? active : elt;
    used = { selector: describe(control), element: control, requester: elt };
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    // only the answer to that request (a header refresh from an earlier change may settle first)
    var config = event.detail.requestConfig;
    if (!used || !config || config.elt !== used.requester) return;
    var active = document.activeElement;
    var lost = !active || active === document.body || !document.body.contains(active);
    var remembered = used;
    if (!lost) {
      used = null;
      return;
    }
    used = null;
    var again = null;
    if (remembered.element && document.body.contains(remembered.element)) again = remembered.element;
    else if (remembered.selector) again = document.querySelector(remembered.selector);
    if (focusable(again)) {
      again.focus({ preventScroll: true });
      return;
    }
    focusMessage(event.detail.target);
  });

  // A refusal written under the focused box (a wrong coupon code, gift card, quantity) is scrolled
  // into view: on a phone it came in under the fixed "Proceed to checkout" bar, the box itself
  // still in view so nothing moved. scrollIntoView keeps the page's scroll-padding (the bar's room).
  document.addEventListener("htmx:afterSettle", function () {
    var active = document.activeElement;
    var ids = active && active !== document.body && active.getAttribute("aria-describedby");
    if (!ids) return;
    ids.split(/\s+/).forEach(function (id) {
      var note = document.getElementById(id);
      if (note && note.getAttribute("role") === "alert" && note.getClientRects().length > 0) {
        note.scrollIntoView({ block: "nearest" });
      }
    });
  });

  // ---- the total, said once when it changes (a live region that is never replaced) -----------
  var lastTotal = null;
  function totalText() {
    var row = document.querySelector('#price-breakup [data-breakup-key="total"], #checkout-summary [data-breakup-key="total"]');
    if (!row) return null;
    var amount = row.getAttribute("data-amount");
    var shown = row.querySelector("dd, .amount, span:last-child");
    return { amount: amount, text: shown ? shown.textContent.trim() : "" };
  }
  document.addEventListener("DOMContentLoaded", function () {
    var now = totalText();
    lastTotal = now && now.amount;
  });
  document.addEventListener("htmx:afterSettle", function () {
    var now = totalText();
    var region = document.getElementById("total-announcer");
    if (!region) return;
    if (now && now.amount !== lastTotal && lastTotal !== null) {
      region.textContent = "Total now " + now.text;
    }
    if (now) lastTotal = now.amount;
  });

  // A page shown again by Back or Forward (from the back-forward cache or the HTTP cache) asks
  // for the header count afresh: after an order the badge says 0 on every page, not the count
  // the page had when it was first shown.
  window.addEventListener("pageshow", function (event) {
    var nav = window.performance && performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
    if ((event.persisted || (nav && nav.type === "back_forward")) && window.htmx) {
      htmx.trigger(document.body, "cart-updated");
    }
  });

  // A line's quantity input stays in step with what the server accepted.
  document.addEventListener("htmx:responseError", function () {
    var bar = document.getElementById("request-indicator");
    if (bar) bar.classList.remove("htmx-request");
  });
})();
