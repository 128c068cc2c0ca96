// Registration: the doctor-only fields (practice number and name) show only for "I am a referring
// doctor". Hidden fields are also disabled, so a patient's browser never posts what it autofilled there.
(function () {
  "use strict";
  var form = document.querySelector("[data-signup-form]");
  var box = form && form.querySelector("[data-doctor-fields]");
  if (!box) return;
  var radios = form.querySelectorAll('input[name="account_type"]');
  function update() {
    var checked = form.querySelector('input[name="account_type"]:checked');
    var doctor = Boolean(checked && checked.value === "doctor");
    box.hidden = !doctor;
    box.querySelectorAll("input, select, textarea").forEach(function (input) { input.disabled = !doctor; });
  }
  radios.forEach(function (radio) { radio.addEventListener("change", update); });
  update();
})();
