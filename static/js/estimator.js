// The estimator: show only the chosen medical aid's plans. Works without this script too
// (all plans are listed, grouped by medical aid, and the server checks that they match).
(function () {
  "use strict";
  function setup(form) {
    var scheme = form.querySelector("[data-estimator-scheme]");
    var plan = form.querySelector("[data-estimator-plan]");
    if (!scheme || !plan) return;
    function sync() {
      var label = scheme.options[scheme.selectedIndex] ? scheme.options[scheme.selectedIndex].text : "";
      var selfPay = scheme.value === "";
      var keep = false;
      plan.querySelectorAll("optgroup").forEach(function (group) {
        var match = !selfPay && group.label === label;
        group.hidden = !match;
        if (match && plan.selectedOptions[0] && plan.selectedOptions[0].parentNode === group) keep = true;
      });
      if (!keep) {
        var first = selfPay ? null : plan.querySelector('optgroup:not([hidden]) option');
        plan.value = first ? first.value : "";
      }
    }
    scheme.addEventListener("change", sync);
    sync();
  }
  document.querySelectorAll(".estimator-form").forEach(setup);
})();
