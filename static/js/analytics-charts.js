// Draws the analytics charts once the page has painted. Each chart's data is a non-executable
// <script type="application/json" data-bokeh-item> beside its placeholder (analytics/charts.py).
// BokehJS itself (the URLs in this script's data-bokeh-js) is loaded only then: fetched at once it
// shared a slow line with the stylesheets the first paint waits for, and embedding the charts in a
// DOMContentLoaded handler held the first paint back on slow phones.
(function () {
  "use strict";
  var sources = ((document.currentScript && document.currentScript.getAttribute("data-bokeh-js")) || "")
    .split(" ").filter(Boolean);
  var loading = null;

  function loadBokeh() {
    if (window.Bokeh) return Promise.resolve();
    if (!loading) {
      loading = Promise.all(sources.map(function (src) {
        return new Promise(function (resolve, reject) {
          var script = document.createElement("script");
          script.src = src;
          script.async = false;  // in order
          script.onload = resolve;
          script.onerror = function () { reject(new Error("could not load " + src)); };
          document.head.appendChild(script);
        });
      }));
    }
    return loading;
  }

  function draw() {
    var blocks = document.querySelectorAll('script[type="application/json"][data-bokeh-item]:not([data-drawn])');
    if (!blocks.length) return;
    loadBokeh().then(function () {
      blocks.forEach(function (block) {
        if (block.hasAttribute("data-drawn")) return;
        block.setAttribute("data-drawn", "");
        try {
          window.Bokeh.embed.embed_item(JSON.parse(block.textContent));
        } catch (error) {
          console.error("A chart could not be drawn", error);
        }
      });
    }, function (error) { console.error("The charts could not be drawn:", error.message); });
  }

  function afterPaint() {
    requestAnimationFrame(function () { setTimeout(draw, 0); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", afterPaint);
  } else {
    afterPaint();
  }
  document.addEventListener("htmx:afterSettle", afterPaint);
})();
