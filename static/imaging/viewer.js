// Frame-by-frame viewer: previous/next, the slider, arrow keys and the mouse wheel change the image
// in place (the links still work without JavaScript). Images come from the portal's proxy only.
(function () {
  "use strict";
  var root = document.querySelector("[data-frame-viewer]");
  if (!root) return;
  var urls = root.dataset.urls.split(" ");
  var count = urls.length;
  var frame = parseInt(root.dataset.frame, 10) || 1;
  var windowPreset = root.dataset.window;
  var image = root.querySelector("[data-frame-image]");
  var label = root.querySelector("[data-frame-label]");
  var slider = root.querySelector("[data-frame-slider]");
  var prev = root.querySelector("[data-frame-prev]");
  var next = root.querySelector("[data-frame-next]");
  function src(n) { return urls[n - 1] + (windowPreset ? "?window=" + encodeURIComponent(windowPreset) : ""); }
  function query(n) { return "?frame=" + n + (windowPreset ? "&window=" + encodeURIComponent(windowPreset) : ""); }
  function show(n) {
    n = Math.min(Math.max(n, 1), count);
    if (n === frame && image.getAttribute("src") === src(n)) return;
    frame = n;
    image.src = src(n);
    image.alt = "Image " + n + " of " + count;
    label.textContent = "Image " + n + " of " + count;
    slider.value = n;
    prev.href = query(Math.max(n - 1, 1));
    next.href = query(Math.min(n + 1, count));
    history.replaceState(null, "", query(n));
    ends();
  }
  function ends() {
    [[prev, frame <= 1], [next, frame >= count]].forEach(function (pair) {
      pair[0].classList.toggle("disabled", pair[1]);
      pair[0].setAttribute("aria-disabled", pair[1] ? "true" : "false");
    });
  }
  ends();
  prev.addEventListener("click", function (e) { e.preventDefault(); show(frame - 1); });
  next.addEventListener("click", function (e) { e.preventDefault(); show(frame + 1); });
  slider.addEventListener("input", function () { show(parseInt(slider.value, 10)); });
  document.addEventListener("keydown", function (e) {
    if (e.target && (e.target.tagName === "INPUT" || e.target.tagName === "TEXTAREA")) return;
    if (e.key === "ArrowLeft" || e.key === "ArrowUp") { e.preventDefault(); show(frame - 1); }
    if (e.key === "ArrowRight" || e.key === "ArrowDown") { e.preventDefault(); show(frame + 1); }
  });
  image.parentElement.addEventListener("wheel", function (e) {
    e.preventDefault();
    show(frame + (e.deltaY > 0 ? 1 : -1));
  }, { passive: false });
})();
