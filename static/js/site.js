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
  // A line's quantity input stays in step with what the server accepted.
  document.addEventListener("htmx:responseError", function () {
    var bar = document.getElementById("request-indicator");
    if (bar) bar.classList.remove("htmx-request");
  });
})();
