// Draws the analytics charts once the page has painted. Each chart's data is a non-executable
// <script type="application/json" data-bokeh-item> beside its placeholder (analytics/charts.py);
// embedding them is the heaviest work on the page, and done in a DOMContentLoaded handler it held
// the first paint back on slow phones. Loaded with defer, after BokehJS.
(function () {
  "use strict";
  function draw() {
    document.querySelectorAll('script[type="application/json"][data-bokeh-item]:not([data-drawn])').forEach(function (block) {
      block.setAttribute("data-drawn", "");
      try {
        window.Bokeh.embed.embed_item(JSON.parse(block.textContent));
      } catch (error) {
        console.error("A chart could not be drawn", error);
      }
    });
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
