// The booking wizard's small enhancements (a static file: the portal's CSP allows no inline scripts).
(function () {
  "use strict";
  // Keep keyboard focus sensible after the slot picker refreshes through htmx.
  // The swap is outerHTML, so the event's target is the old, detached picker: look up the new one.
  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target && e.detail.target.id === "picker") {
      var picker = document.getElementById("picker");
      var sel = picker && picker.querySelector(".day-chip.selected");
      var lost = !document.activeElement || document.activeElement === document.body;
      if (sel && lost) sel.focus();
    }
  });
  // Payment step: the medical aid fields show only when paying with a medical aid.
  var box = document.getElementById("aid-fields");
  var methods = document.querySelectorAll("[data-payment-method]");
  if (box && methods.length) {
    var sync = function () {
      var chosen = document.querySelector("[data-payment-method]:checked");
      box.hidden = !(!chosen || chosen.value === "aid");
    };
    methods.forEach(function (radio) { radio.addEventListener("change", sync); });
    sync();
  }
})();
