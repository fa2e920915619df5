// Progressive enhancement only: every form works without this file.
(function () {
  document.documentElement.classList.add("js");
  // Move focus to the first new message after an htmx swap so keyboard users hear it once.
  document.addEventListener("htmx:afterSettle", function (event) {
    var region = document.getElementById("messages");
    if (region && region.firstElementChild && event.detail.target !== region) {
      region.firstElementChild.setAttribute("tabindex", "-1");
    }
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
