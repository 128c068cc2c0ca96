// The report editor: the sign button opens the page's confirmation dialog (without JavaScript it
// leads to the confirmation page), and pick-list buttons add "Heading: choice" to the findings.
(function () {
  "use strict";
  var critical = document.getElementById("id_critical_finding");
  document.querySelectorAll("[data-sign-dialog]").forEach(function (button) {
    var dialog = document.querySelector(button.getAttribute("data-sign-dialog"));
    if (!dialog || !window.bootstrap) return;
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var marked = !!(critical && critical.checked);
      dialog.querySelectorAll("[data-when-critical]").forEach(function (el) { el.hidden = !marked; });
      dialog.querySelectorAll("[data-when-not-critical]").forEach(function (el) { el.hidden = marked; });
      window.bootstrap.Modal.getOrCreateInstance(dialog).show();
    });
  });
  var findings = document.getElementById("id_findings");
  document.querySelectorAll("[data-pick]").forEach(function (button) {
    button.addEventListener("click", function () {
      if (!findings) return;
      var text = findings.value.replace(/\s+$/, "");
      findings.value = (text ? text + "\n" : "") + button.getAttribute("data-pick");
      findings.dispatchEvent(new Event("input", { bubbles: true }));
      findings.focus();
    });
  });
})();
